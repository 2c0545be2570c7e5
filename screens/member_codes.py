"""« Codes des élus » in the administration: each member's personal code.

The code opens a member's private notes at a seat (``table_app.notes``). The
mairie gives it with the member beside the table: the administrator touches
the member's name, the member types a code of 4 to 8 digits on the pad, then
the same once more; only its scrypt hash is written into the member's
``[[members]]`` block (``table-app pin`` does the same from a terminal). The
list says who has a code, never the code.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from screens.choice_button import ChoiceButton
from screens.pin_pad import PinDialog
from screens.widgets import card, label
from table_app.config import Config
from table_app.member_pin import PIN_DIGITS


class MemberCodesSection(QWidget):
    """One button per member of the council: its name and whether it has a code.

    Attributes:
        buttons: the members' buttons, by member id.
        pin_dialog: the pad the member types on, while it is open.

    Signals:
        code_chosen(str, str): a member typed the same valid code twice (member id, code).
    """

    code_chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: dict[str, ChoiceButton] = {}
        self.pin_dialog: PinDialog | None = None
        self._names: dict[str, str] = {}
        self._first: str | None = None  # the code typed once, waiting for the second
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        box, inside = card()
        inside.addWidget(label("Codes personnels des élus", "sectionTitle"))
        inside.addWidget(
            label(
                "Le code personnel ouvre les notes privées d'un élu à un siège. Touchez le "
                "nom de l'élu, à côté de lui : il tape son code (4 à 8 chiffres) deux fois. "
                "Seule son empreinte est enregistrée ; personne ne peut relire le code.",
                "muted",
                wrap=True,
            )
        )
        self._grid = QGridLayout()
        self._grid.setSpacing(12)
        inside.addLayout(self._grid)
        inside.addStretch(1)
        layout.addWidget(box)

    def show_config(self, config: Config) -> None:
        """The council's members as the file reads them, each with its state."""
        for button in self.buttons.values():
            button.setParent(None)
            button.deleteLater()
        self.buttons = {}
        self._names = {m.id: m.name for m in config.members}
        for index, member in enumerate(config.members):
            button = ChoiceButton("memberChoice")
            button.setCheckable(False)
            button.set_lines(member.name, "code enregistré" if member.pin else "aucun code")
            button.clicked.connect(lambda _c=False, m=member.id: self.ask(m))
            self._grid.addWidget(button, index // 3, index % 3)
            self.buttons[member.id] = button

    def ask(self, member_id: str) -> PinDialog:
        """The pad over the panel, for ``member_id`` to type their new code."""
        self._first = None
        dialog = PinDialog(f"Code personnel de {self._names[member_id]}", self)
        dialog.hint.setText("L'élu tape son nouveau code : 4 à 8 chiffres.")
        dialog.pin_entered.connect(lambda code: self._on_dialog_pin_entered(member_id, code))
        dialog.finished.connect(self._on_dialog_finished)
        dialog.open()
        self.pin_dialog = dialog
        return dialog

    def _on_dialog_pin_entered(self, member_id: str, code: str) -> None:
        dialog = self.pin_dialog
        if dialog is None:
            return
        if self._first is None:
            if not PIN_DIGITS.match(code):
                dialog.refuse("Un code personnel a de 4 à 8 chiffres : tapez-le de nouveau")
                return
            self._first = code
            dialog.banner.hide()
            dialog.hint.setText("Le même code, une seconde fois, pour vérifier.")
            return
        if code != self._first:
            self._first = None
            dialog.hint.setText("L'élu tape son nouveau code : 4 à 8 chiffres.")
            dialog.refuse("Les deux codes tapés diffèrent : rien n'a été changé. Recommencez.")
            return
        self._first = None
        dialog.accept()
        self.code_chosen.emit(member_id, code)

    def _on_dialog_finished(self, _result: int) -> None:
        self._first = None
        self.pin_dialog = None


__all__ = ["MemberCodesSection"]
