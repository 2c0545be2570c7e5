"""The secretary writes the summary of each debate, for the procès-verbal.

Article L2121-15 of the CGCT asks the procès-verbal for the substance of the
debates. The secretary writes them point by point, during the session or
after its closing; each summary is recorded in the journal (``record_debate``),
so it is never typed twice and it is in the procès-verbal the next time the
documents are produced. Moving to another point or closing the window saves
what was typed: nothing is lost.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from screens.session_model import SessionModel
from screens.widgets import cover_parent_window, label
from table_app.council.state import Item


class DebatesDialog(QDialog):
    """One point at a time: the list of points on the left, its summary on the right."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setWindowTitle("Synthèse des débats")
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setModal(True)
        self._item_id: str | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(label("Synthèse des débats, pour le procès-verbal", "sectionTitle"))
        layout.addWidget(
            label(
                "Pour chaque point, l'essentiel des interventions : qui a dit quoi, en "
                "quelques phrases. Le texte est enregistré au journal de la séance.",
                "muted",
                wrap=True,
            )
        )
        body = QHBoxLayout()
        self.points = QListWidget()
        self.points.setWordWrap(True)
        self.points.currentItemChanged.connect(self._on_points_current_item_changed)
        body.addWidget(self.points, 2)
        right = QVBoxLayout()
        self.point_title = label("", "sectionTitle", wrap=True)
        right.addWidget(self.point_title)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Synthèse des débats sur ce point…")
        self.editor.textChanged.connect(self._on_editor_text_changed)
        right.addWidget(self.editor, 1)
        self.state = label("", "muted", wrap=True)
        right.addWidget(self.state)
        body.addLayout(right, 3)
        layout.addLayout(body, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_button = QPushButton("Enregistrer la synthèse")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Fermer")
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self._fill()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Cover the master screen's window (kiosk: no window manager to place us)."""
        cover_parent_window(self)
        super().showEvent(event)

    def _items(self) -> list[Item]:
        session = self.model.session
        return session.agenda() if session is not None else []

    def _fill(self) -> None:
        self.points.blockSignals(True)
        current = self._item_id
        self.points.clear()
        for position, item in enumerate(self._items(), start=1):
            mark = "✓ " if item.debate else ""
            row = QListWidgetItem(f"{mark}{position}. {item.title}")
            row.setData(Qt.ItemDataRole.UserRole, item.id)
            self.points.addItem(row)
            if item.id == current:
                self.points.setCurrentItem(row)
        self.points.blockSignals(False)
        if current is None and self.points.count():
            self.points.setCurrentRow(0)

    def _select(self, item_id: str | None) -> None:
        self.points.blockSignals(True)
        for n in range(self.points.count()):
            row = self.points.item(n)
            if row is not None and row.data(Qt.ItemDataRole.UserRole) == item_id:
                self.points.setCurrentRow(n)
        self.points.blockSignals(False)

    def _item(self) -> Item | None:
        session = self.model.session
        if session is None or self._item_id is None:
            return None
        return session.item(self._item_id)

    def _on_points_current_item_changed(
        self, current: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        target = current.data(Qt.ItemDataRole.UserRole) if current else None
        if not self.save():  # keep what was typed before leaving the point
            self._select(self._item_id)
            return
        self._item_id = target
        self._select(target)
        item = self._item()
        self.point_title.setText(item.title if item else "")
        self.editor.blockSignals(True)
        self.editor.setPlainText(item.debate if item else "")
        self.editor.blockSignals(False)
        self._show_state()

    def _on_editor_text_changed(self) -> None:
        self._show_state()

    def dirty(self) -> bool:
        item = self._item()
        return item is not None and self.editor.toPlainText().strip() != item.debate

    def _show_state(self) -> None:
        item = self._item()
        self.save_button.setEnabled(self.dirty())
        if item is None:
            self.state.setText("")
        elif self.dirty():
            self.state.setText("Modifications non enregistrées.")
        elif item.debate:
            self.state.setText("Synthèse enregistrée au journal.")
        else:
            self.state.setText("Aucune synthèse pour ce point.")

    def save(self) -> bool:
        """Record the summary typed for the current point; False if refused."""
        item = self._item()
        if item is None or not self.dirty():
            return True
        refusal = self.model.submit(
            {"cmd": "record_debate", "item": item.id, "text": self.editor.toPlainText()},
            author="secretaire",
        )
        if refusal is not None:
            self.state.setText("Synthèse non enregistrée : " + refusal)
            return False
        self._fill()
        self._show_state()
        return True

    def done(self, result: int) -> None:
        """Closing saves what was typed (the window never loses a summary)."""
        if self.save():
            super().done(result)
