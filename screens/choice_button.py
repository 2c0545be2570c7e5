"""A big choice of two lines that wrap, for the administration's lists."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QPushButton, QSizePolicy, QVBoxLayout, QWidget

from screens.widgets import label, restyle


class ChoiceButton(QPushButton):
    """A big checkable choice of two lines that wrap (a QPushButton's own text
    does not: a long name would be cut).

    Attributes:
        title, detail: the two lines (a name, then where it stands).
    """

    def __init__(self, name: str = "adminChoice", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setCheckable(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 10, 22, 10)
        layout.setSpacing(2)
        self.title = label("", "choiceTitle", wrap=True)
        self.detail = label("", "choiceDetail", wrap=True)
        layout.addStretch(1)
        for line in (self.title, self.detail):
            line.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            layout.addWidget(line)
        layout.addStretch(1)
        self.toggled.connect(self._on_self_toggled)

    def set_lines(self, title: str, detail: str) -> None:
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.setAccessibleName(f"{title}, {detail}" if detail else title)
        self.updateGeometry()

    def set_kind(self, name: str) -> None:
        """Restyle as ``name`` (for instance a member placed twice)."""
        restyle(self, name)
        self._on_self_toggled(self.isChecked())

    def lines(self) -> str:
        return f"{self.title.text()}\n{self.detail.text()}"

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        hint = layout.sizeHint() if layout is not None else super().sizeHint()
        return hint.expandedTo(QSize(64, 88))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        layout = self.layout()
        hint = layout.minimumSize() if layout is not None else super().minimumSizeHint()
        return hint.expandedTo(QSize(64, 88))

    def _on_self_toggled(self, checked: bool) -> None:
        suffix = "On" if checked else ""
        restyle(self.title, f"choiceTitle{suffix}")
        restyle(self.detail, f"choiceDetail{suffix}")


__all__ = ["ChoiceButton"]
