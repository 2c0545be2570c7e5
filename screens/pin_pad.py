"""The administrator's code, typed on a keypad of big digits.

The table has no keyboard: leaving the kiosk is done by touch, on the master
screen, with the code of ``[kiosk] admin_pin``. The dialog is window-modal:
while it is open the seats go on showing the session.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from screens.widgets import MessageBanner, label

MAX_DIGITS = 12


class PinDialog(QDialog):
    """Digits 0–9, "Effacer", "Valider"; the code is shown as dots.

    Signals:
        pin_entered(str): the code typed, when "Valider" is touched.
    """

    pin_entered = Signal(str)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle(title)
        self._digits = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(20)
        layout.addWidget(label(title, "sectionTitle"), 0, Qt.AlignmentFlag.AlignHCenter)
        self.display = label("", "pinDisplay")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumHeight(72)
        layout.addWidget(self.display)
        self.hint = label("Tapez le code administrateur.", "muted")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.hint)
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        grid = QGridLayout()
        grid.setSpacing(16)
        self.keys: dict[str, QPushButton] = {}
        for index, digit in enumerate("123456789"):
            grid.addWidget(self._key(digit), index // 3, index % 3)
        self.erase_button = QPushButton("Effacer")
        self.erase_button.clicked.connect(self.erase)
        grid.addWidget(self.erase_button, 3, 0)
        grid.addWidget(self._key("0"), 3, 1)
        self.ok_button = QPushButton("Valider")
        self.ok_button.setObjectName("primary")
        self.ok_button.clicked.connect(self._on_ok_button_clicked)
        grid.addWidget(self.ok_button, 3, 2)
        for button in (*self.keys.values(), self.erase_button, self.ok_button):
            button.setMinimumSize(180, 96)
        layout.addLayout(grid)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.clicked.connect(self.reject)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout.addLayout(row)
        self._show()

    def _key(self, digit: str) -> QPushButton:
        button = QPushButton(digit)
        button.setObjectName("pinKey")
        button.clicked.connect(lambda: self.press(digit))
        self.keys[digit] = button
        return button

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Centred over the master screen's window (kiosk: no window manager)."""
        parent = self.parentWidget()
        self.adjustSize()
        if parent is not None:
            frame = parent.window().geometry()
            self.move(frame.center() - self.rect().center())
        super().showEvent(event)

    def press(self, digit: str) -> None:
        if len(self._digits) < MAX_DIGITS:
            self._digits += digit
        self._show()

    def erase(self) -> None:
        self._digits = self._digits[:-1]
        self._show()

    def _show(self) -> None:
        self.display.setText(" ".join("●" for _ in self._digits) or " ")
        self.ok_button.setEnabled(bool(self._digits))
        self.erase_button.setEnabled(bool(self._digits))

    def _on_ok_button_clicked(self) -> None:
        pin, self._digits = self._digits, ""
        self._show()
        self.pin_entered.emit(pin)

    def refuse(self, message: str) -> None:
        """The code was wrong: say so and let the administrator try again."""
        self.banner.show_refusal(message)
