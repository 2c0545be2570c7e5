"""The mayor's master screen: roll call, agenda, deliberation and vote, projection.

Every button sends a command to the engine through the ``SessionModel``; the
screen redraws from the state the engine projects. A refusal is shown in
words at the top of the screen, with the engine's numbers.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from screens.answers_view import AnswersPanel
from screens.pacing import pacer
from screens.pin_pad import PinDialog
from screens.secretary_view import SecretaryPanel
from screens.session_model import SessionModel
from screens.stats_view import StatsDialog
from screens.widgets import (
    AgendaList,
    HeaderBar,
    MessageBanner,
    NameChips,
    OpaqueRowsList,
    dialog_buttons,
    item_line,
    label,
    restyle,
)
from table_app.council import rules
from table_app.council.errors import CommandRefused
from table_app.council.events import EventType
from table_app.council.state import (
    ANSWER_LABELS,
    Answer,
    AnswerKind,
    ItemKind,
    ItemStatus,
    MemberInfo,
    Presence,
    Session,
    SessionStatus,
)
from table_app.french import short_date
from table_app.stats import CACHE_FILE

if TYPE_CHECKING:
    from screens.admin_panel import AdminPanel, ViewWindows
    from screens.seat_service import SeatService
    from screens.seats_admin import SeatsAdminDialog

log = logging.getLogger("screens")

_PRESENCE_BUTTONS = (("present", "Présent"), ("absent", "Absent"), ("excused", "Excusé"))


def _button(text: str, name: str | None = None) -> QPushButton:
    button = QPushButton(text)
    if name:
        button.setObjectName(name)
    return button


def roll_call_answer(answer: Answer | None) -> str:
    """The answer ahead in a few words, under the member's name (the holder of a
    procuration is in the row's list already)."""
    if answer is None:
        return ""
    if answer.answer is AnswerKind.PROXY:
        return f"procuration signée le {short_date(str(answer.signed_on))}"
    return f"a répondu : {ANSWER_LABELS[answer.answer]}"


def answers_summary(session: Session) -> str:
    """The answers before the session in one line, for the roll call."""
    latest = [a for a in (session.answer_of(m) for m in session.members) if a is not None]
    if not latest:
        return ""
    counts = {kind: sum(1 for a in latest if a.answer is kind) for kind in AnswerKind}

    def many(n: int, one: str) -> str:
        return f"{n} " + " ".join(w + ("s" if n > 1 else "") for w in one.split())

    proxies = counts[AnswerKind.PROXY]
    return (
        f"Réponses avant la séance : {many(counts[AnswerKind.PRESENT], 'présent annoncé')}, "
        f"{many(counts[AnswerKind.EXCUSED], 'absent excusé')}, "
        f"{many(proxies, 'procuration vérifiée')}" + (" (une par mandataire)." if proxies else ".")
    )


def _initial(name: str) -> str:
    """ "Martine Fabre" → "M. Fabre": a holder's name beside a state."""
    first, _, last = name.partition(" ")
    return f"{first[0]}. {last}" if last else name


def proxy_holder(session: Session, member_id: str) -> str | None:
    """Who holds ``member_id``'s procuration now, if anybody."""
    return next((p.holder for p in session.proxies if p.active and p.giver == member_id), None)


def attendance_state(session: Session, member_id: str) -> tuple[str, str, str]:
    """A member's state at the roll call, whatever button was touched: its word,
    the name of its colour in the theme, and a detail (when they came or left,
    who holds their procuration, what they answered ahead).

    Présent, représenté (absent, their procuration held by another member),
    excusé, absent: a member not yet marked is absent (not counted present).
    """
    att = session.attendance[member_id]
    last = att.movements[-1] if att.movements else None
    answer = session.answer_of(member_id)
    answered = roll_call_answer(answer)
    if att.status is Presence.PRESENT:
        came = f"arrivé à {last['at'][11:16]}" if last and last["kind"] == "arrivee" else ""
        return ("Présent", "statePresent", came)
    holder = proxy_holder(session, member_id)
    if holder is not None:
        return ("Représenté", "stateRepresented", f"par {_initial(session.name(holder))}")
    if att.status is Presence.EXCUSED:
        return ("Excusé", "stateExcused", "a répondu" if answered else "")
    if att.status is Presence.LEFT and last is not None:
        return ("Absent", "stateAbsent", f"parti à {last['at'][11:16]}")
    if answer is not None and answer.answer is AnswerKind.PRESENT:
        return ("Absent", "stateAbsent", "attendu")  # has said they would come
    return ("Absent", "stateAbsent", answered)


class ProxyDialog(QDialog):
    """Who holds a member's procuration: one touch on a name records it,
    "Pas de procuration" withdraws it. A refusal is shown here, in words (and at
    the top of the screen), and the dialog stays open.
    """

    def __init__(
        self,
        giver: str,
        members: list[tuple[str, str]],
        holder: str | None,
        submit: Callable[[str | None], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self._holder = holder
        self.setWindowTitle(f"Procuration de {giver}")
        layout = QVBoxLayout(self)
        layout.setSpacing(16)
        layout.addWidget(label(f"Procuration de {giver} : qui la détient ?", "sectionTitle"))
        grid = QGridLayout()
        grid.setSpacing(12)
        self.choices: dict[str, QPushButton] = {}
        for n, (member_id, name) in enumerate(members):
            button = _button(name)
            button.setCheckable(True)
            button.clicked.connect(lambda _checked=False, m=member_id: self.choose(m))
            grid.addWidget(button, n // 3, n % 3)
            self.choices[member_id] = button
        layout.addLayout(grid)
        self.refusal = label("", "refusal", wrap=True)
        self.refusal.hide()
        layout.addWidget(self.refusal)
        row = QHBoxLayout()
        row.setSpacing(32)
        self.none_button = _button("Pas de procuration", "danger")
        self.none_button.clicked.connect(lambda: self.choose(None))
        self.cancel_button = _button("Annuler")
        self.cancel_button.clicked.connect(self.reject)
        row.addWidget(self.none_button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self._show_holder()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        # Sized once the theme has given the names their font and padding:
        # each name whole on its button (adjustSize would stop at two thirds
        # of the screen).
        self.resize(self.sizeHint())
        super().showEvent(event)

    def _show_holder(self) -> None:
        for member_id, button in self.choices.items():
            button.setChecked(member_id == self._holder)
        self.none_button.setEnabled(self._holder is not None)

    def choose(self, holder: str | None) -> None:
        refusal = self._submit(holder)
        if refusal is None:
            self.accept()
            return
        self.refusal.setText(refusal)
        self.refusal.show()
        self._show_holder()  # the refused touch is undone


def _members_key(members: Iterable[MemberInfo]) -> tuple[tuple[str, str, str, int], ...]:
    """What the roll call's rows show of a council: the same key, the same rows."""
    return tuple(sorted((m.id, m.name, m.role, m.rank) for m in members))


class RollCallPanel(QWidget):
    """Présent, absent, excusé; procurations; secretary; opening.

    Each member's state shows in a word and a colour (``attendance_state``),
    the members in two columns: up to 19 (a commune under 2,500) without
    scrolling on the 1080-pixel master screen. The quorum is the header's.
    """

    def __init__(self, model: SessionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy_dialog: ProxyDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 0)
        top = QHBoxLayout()
        top.addWidget(label("Secrétaire de séance :"))
        self.secretary = QComboBox()
        self.secretary.setMinimumWidth(420)
        # Nobody by default (never the mayor because they come first): the
        # secretary named, or the one the mayor touches.
        self.secretary.setPlaceholderText("Choisissez un élu présent")
        top.addWidget(self.secretary)
        self.secretary_button = _button("Nommer")
        self.secretary_button.clicked.connect(self._on_secretary_button_clicked)
        top.addWidget(self.secretary_button)
        self.secretary_label = label("", "muted")
        top.addWidget(self.secretary_label, 1)
        self.open_button = _button("Ouvrir la séance", "primary")
        self.open_button.clicked.connect(lambda: self.model.execute({"cmd": "open"}))
        self.carence_button = _button("Constater l'absence de quorum", "danger")
        self.carence_button.clicked.connect(
            lambda: self.model.execute({"cmd": "record_lack_of_quorum"})
        )
        top.addWidget(self.carence_button)
        top.addWidget(self.open_button)
        layout.addLayout(top)
        # What the members answered before the session (« Réponses avant la séance »).
        self.answers_summary = label("", "muted", wrap=True)
        self.answers_summary.hide()
        layout.addWidget(self.answers_summary)

        self.members_area = QScrollArea()
        self.members_area.setWidgetResizable(True)
        grid_host = QWidget()
        grid_host.setObjectName("rollCallGrid")
        self.grid = QGridLayout(grid_host)
        self.grid.setContentsMargins(8, 6, 8, 6)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(6)
        self.members_area.setWidget(grid_host)
        layout.addWidget(self.members_area, 1)
        self._rows: dict[str, dict[str, Any]] = {}
        self._rows_of: tuple[tuple[str, str, str, int], ...] = ()
        self._stretch_row = 0
        # The rows of the council in office made now, while the table starts:
        # built on the convocation, they held the GUI thread 13 ms.
        config = getattr(model.engine, "config", None)
        if model.session is None and config is not None:
            self._build_rows([MemberInfo(m.id, m.name, m.role, m.rank) for m in config.members])

    def show_session(self, session: Session | None) -> None:
        if session is None:
            return
        if _members_key(session.members.values()) != self._rows_of:
            self._build_rows(list(session.members.values()))
        present = session.present()
        active = {p.giver: p.holder for p in session.proxies if p.active}
        for member_id, row in self._rows.items():
            att = session.attendance[member_id]
            touched = {
                Presence.PRESENT: "present",
                Presence.ABSENT: "absent",
                Presence.LEFT: "absent",
                Presence.EXCUSED: "excused",
            }.get(att.status)
            for key, button in row["buttons"].items():
                button.setChecked(key == touched)
            word, colour, detail = attendance_state(session, member_id)
            row["state"].setText(word)
            restyle(row["state"], colour)
            row["detail"].setText(detail)
            # A member present gives no procuration (one given before they came
            # may still be withdrawn).
            row["proxy"].setVisible(member_id not in present or member_id in active)
        self._show_secretaries(session, present)
        self.answers_summary.setText(answers_summary(session))
        self.answers_summary.setVisible(bool(self.answers_summary.text()))
        convened = session.status.value == "convoquee"
        self.open_button.setVisible(convened)
        self.carence_button.setVisible(convened)

    def _show_secretaries(self, session: Session, present: set[str]) -> None:
        choices = sorted(present, key=lambda m: session.members[m].rank)
        chosen = self.secretary.currentData()
        if [self.secretary.itemData(n) for n in range(self.secretary.count())] != choices:
            self.secretary.blockSignals(True)
            self.secretary.clear()
            for member_id in choices:
                self.secretary.addItem(session.name(member_id), member_id)
            self.secretary.blockSignals(False)
            named = next((m for m in session.secretaries if m in choices), None)
            keep = chosen if chosen in choices else named
            self.secretary.setCurrentIndex(self.secretary.findData(keep) if keep else -1)
        elif chosen is None and session.secretaries:
            self.secretary.setCurrentIndex(self.secretary.findData(session.secretaries[0]))
        self.secretary_label.setText(
            "Nommé(e) : " + ", ".join(session.name(m) for m in session.secretaries)
            if session.secretaries
            else ""
        )

    def rows_excused(self, member_id: str) -> QPushButton:
        button: QPushButton = self._rows[member_id]["buttons"]["excused"]
        return button

    def _build_rows(self, council: list[MemberInfo]) -> None:
        """One row per member; those of another council (a session convened
        before the configuration changed) removed first."""
        for row in self._rows.values():
            for widget in (row["who"], *row["buttons"].values(), row["proxy"]):
                self.grid.removeWidget(widget)
                widget.deleteLater()
        self._rows = {}
        self._rows_of = _members_key(council)
        members = sorted(council, key=lambda m: m.rank)
        self.grid.setRowStretch(self._stretch_row, 0)
        per_column = max(1, -(-len(members) // 2))
        self._stretch_row = per_column
        self.grid.setColumnMinimumWidth(5, 28)  # between the two columns
        for column in (5, 11):  # what room is left goes between and after them
            self.grid.setColumnStretch(column, 1)
        for n, member in enumerate(members):
            row_no, first = n % per_column, 6 * (n // per_column)
            role = {"maire": "maire", "adjoint": "adjoint"}.get(member.role, "")
            # The name, and under it the state in a word and a colour, and its detail.
            name = label(member.name)
            if role:
                name.setToolTip(role)
            state = label("", "stateAbsent")
            state.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            detail = label("", "stateDetail")
            under = QHBoxLayout()
            under.setContentsMargins(0, 0, 0, 0)
            under.setSpacing(8)
            under.addWidget(state)
            under.addWidget(detail)
            who = QWidget()
            # Its own width: the room left goes between the columns, never taken
            # from the buttons.
            who.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            who_layout = QVBoxLayout(who)
            who_layout.setContentsMargins(0, 0, 0, 0)
            who_layout.setSpacing(2)
            who_layout.addWidget(name)
            who_layout.addLayout(under)
            self.grid.addWidget(who, row_no, first)
            buttons: dict[str, QPushButton] = {}
            for col, (key, text) in enumerate(_PRESENCE_BUTTONS, start=1):
                button = _button(text, key)
                button.setCheckable(True)
                button.clicked.connect(
                    lambda _checked=False, m=member.id, k=key: self._on_presence_clicked(m, k)
                )
                self.grid.addWidget(button, row_no, first + col)
                buttons[key] = button
            proxy = _button("Procuration…")
            proxy.clicked.connect(lambda _checked=False, m=member.id: self.open_proxy(m))
            self.grid.addWidget(proxy, row_no, first + 4)
            self._rows[member.id] = {
                "who": who,
                "name": name,
                "buttons": buttons,
                "proxy": proxy,
                "state": state,
                "detail": detail,
            }
        self.grid.setRowStretch(per_column, 1)

    def _on_presence_clicked(self, member_id: str, key: str) -> None:
        session = self.model.session
        if session is None:
            return
        present = session.attendance[member_id].status is Presence.PRESENT
        if key == "present":
            if not present:
                self.model.execute({"cmd": "arrive", "member": member_id})
        elif present:
            self.model.execute({"cmd": "leave", "member": member_id})
        else:
            self.model.execute({"cmd": "absent", "member": member_id, "excused": key == "excused"})
        self.show_session(self.model.session)  # undo a refused toggle

    def open_proxy(self, member_id: str) -> ProxyDialog | None:
        """The member's procuration: who holds it, chosen with one touch."""
        session = self.model.session
        if session is None:
            return None
        holder = proxy_holder(session, member_id)
        others = [
            (m.id, m.name)
            for m in sorted(session.members.values(), key=lambda m: m.rank)
            if m.id != member_id
        ]
        dialog = ProxyDialog(
            session.name(member_id),
            others,
            holder,
            lambda chosen: self.set_proxy(member_id, chosen),
            self,
        )
        open_dialog(dialog)
        self.proxy_dialog = dialog
        return dialog

    def set_proxy(self, member_id: str, holder: str | None) -> str | None:
        """``holder`` holds ``member_id``'s procuration from now (None: nobody);
        the refusal in words, or None."""
        session = self.model.session
        if session is None:
            return "Aucune séance n'est convoquée"
        current = proxy_holder(session, member_id)
        if holder == current:
            return None
        refusal = None
        if current is not None:
            refusal = self.model.submit({"cmd": "revoke_proxy", "giver": member_id})
        if refusal is None and holder is not None:
            refusal = self.model.submit({"cmd": "proxy", "giver": member_id, "holder": holder})
        self.show_session(self.model.session)
        return refusal

    def _on_secretary_button_clicked(self) -> None:
        member = self.secretary.currentData()
        if member:
            self.model.execute({"cmd": "name_secretaries", "members": [member]})
        else:
            self.model.command_refused.emit(
                "Touchez d'abord le nom du secrétaire de séance dans la liste"
            )


def open_dialog(dialog: QDialog) -> None:
    """Show ``dialog`` modal to its own screen only (``open``, not ``exec``: an
    application-modal dialog would freeze the seven screens of the table), and
    delete it once closed."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


class AddItemDialog(QDialog):
    """Add a point in session. "Ajouter" sends it; a refusal is shown here, in
    words, and the dialog stays open with what was typed."""

    def __init__(
        self, submit: Callable[[dict[str, Any]], str | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.setWindowTitle("Ajouter un point")
        layout = QVBoxLayout(self)
        layout.addWidget(label("Ajouter un point à l'ordre du jour", "sectionTitle"))
        layout.addWidget(label("Objet du point"))
        self.title = QLineEdit()
        self.title.setMinimumWidth(760)
        layout.addWidget(self.title)
        layout.addWidget(label("Nature"))
        self.kind = QComboBox()
        for value, text in (("deliberation", "Délibération"), ("information", "Information")):
            self.kind.addItem(text, value)
        layout.addWidget(self.kind)
        self.refusal = label("", "refusal", wrap=True)
        self.refusal.hide()
        layout.addWidget(self.refusal)
        self.buttons = dialog_buttons(self, "Ajouter")
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        title = self.title.text().strip()
        refusal = (
            self._submit({"cmd": "add_item", "title": title, "kind": self.kind.currentData()})
            if title
            else "Écrivez l'objet du point à ajouter"
        )
        if refusal is None:
            super().accept()
        else:
            self.refusal.setText(refusal)
            self.refusal.show()


class AgendaPanel(QWidget):
    """Take up, jump, reorder, add, accept a proposal, withdraw, defer."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(label("Ordre du jour", "sectionTitle"))
        self.agenda = AgendaList()
        self.agenda.register = lambda: model.engine.state.last_number
        left.addWidget(self.agenda, 1)
        left.addWidget(label("Points proposés par les conseillers", "sectionTitle"))
        # The proposals with their two answers beside them: in the column of the
        # agenda's actions, nine buttons made the screen taller than a 1080-line
        # display (the buttons at the bottom of the mayor's screen cut off).
        proposed = QHBoxLayout()
        self.proposals = QListWidget()
        self.proposals.setMaximumHeight(220)
        proposed.addWidget(self.proposals, 1)
        answers = QVBoxLayout()
        proposed.addLayout(answers)
        left.addLayout(proposed)
        layout.addLayout(left, 3)

        actions = QVBoxLayout()
        specs = (
            (actions, "Point suivant", "primary", self.take_up_next),
            (actions, "Mettre en discussion", None, lambda: self._on_selected("take_up")),
            (actions, "Monter", None, lambda: self._move(-1)),
            (actions, "Descendre", None, lambda: self._move(+1)),
            (actions, "Retirer", "danger", lambda: self._on_selected("withdraw_item")),
            (actions, "Ajourner", None, lambda: self._on_selected("defer_item")),
            (actions, "Ajouter un point", None, self._add),
            (answers, "Accepter la proposition", None, lambda: self._proposal("accept_proposal")),
            (
                answers,
                "Refuser la proposition",
                "danger",
                lambda: self._proposal("refuse_proposal"),
            ),
        )
        self.buttons: dict[str, QPushButton] = {}
        for column, text, name, slot in specs:
            button = _button(text, name)
            button.clicked.connect(slot)
            column.addWidget(button)
            self.buttons[text] = button
        actions.addStretch(1)
        answers.addStretch(1)
        layout.addLayout(actions, 1)

    def show_session(self, session: Session | None) -> None:
        self.agenda.show_session(session)
        self.proposals.clear()
        if session is None:
            return
        for item in session.items:
            if item.status is ItemStatus.PROPOSED:
                who = session.name(item.proposed_by) if item.proposed_by else ""
                row = QListWidgetItem(f"{item.title} — proposé par {who}")
                row.setData(Qt.ItemDataRole.UserRole, item.id)
                self.proposals.addItem(row)

    def take_up_next(self) -> None:
        session = self.model.session
        if session is None:
            return
        pending = [i for i in session.agenda() if i.status is ItemStatus.PENDING]
        if not pending:
            self.model.command_refused.emit(
                "Plus aucun point à examiner : vous pouvez clore la séance"
            )
            return
        self.model.execute({"cmd": "take_up", "item": pending[0].id})

    def _selected(self) -> str | None:
        item = self.agenda.selected_id()
        if item is None:
            self.model.command_refused.emit("Touchez d'abord un point de l'ordre du jour")
        return item

    def _on_selected(self, cmd: str) -> None:
        item = self._selected()
        if item:
            self.model.execute({"cmd": cmd, "item": item})

    def _move(self, delta: int) -> None:
        session = self.model.session
        item = self._selected()
        if session is None or item is None:
            return
        ids = [i.id for i in session.agenda()]
        position = ids.index(item) + 1 + delta
        if 1 <= position <= len(ids):
            self.model.execute({"cmd": "move_item", "item": item, "position": position})

    def _add(self) -> None:
        open_dialog(AddItemDialog(self.model.submit, self))

    def _proposal(self, cmd: str) -> None:
        rows = self.proposals.selectedItems()
        if not rows:
            self.model.command_refused.emit("Touchez d'abord une proposition")
            return
        self.model.execute({"cmd": cmd, "item": rows[0].data(Qt.ItemDataRole.UserRole)})


class MembersDialog(QDialog):
    """Tick the members concerned (who asks for a public or secret ballot).

    A touch anywhere on a name ticks it or unticks it. "Enregistrer la
    demande" sends the chosen members; a refusal is shown here, in words, and
    the dialog stays open.
    """

    def __init__(
        self,
        title: str,
        members: list[tuple[str, str]],
        submit: Callable[[list[str]], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(label(title, "sectionTitle"))
        self.list = QListWidget()
        self.list.setMinimumSize(620, min(72 * len(members) + 8, 720))
        # Rows and boxes big enough for a finger (the theme's touch target: 64 px).
        self.list.setStyleSheet("QListWidget::indicator { width: 40px; height: 40px; }")
        for member_id, name in members:
            row = QListWidgetItem(name)
            row.setSizeHint(QSize(0, 72))
            row.setData(Qt.ItemDataRole.UserRole, member_id)
            # Not user-checkable: the whole row toggles (below), not only the small box.
            row.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(row)
        self.list.itemClicked.connect(self._on_list_item_clicked)
        layout.addWidget(self.list)
        self.refusal = label("", "refusal", wrap=True)
        self.refusal.hide()
        layout.addWidget(self.refusal)
        self.buttons = dialog_buttons(self, "Enregistrer la demande")
        layout.addWidget(self.buttons)

    def _on_list_item_clicked(self, row: QListWidgetItem) -> None:
        checked = row.checkState() == Qt.CheckState.Checked
        row.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def accept(self) -> None:
        refusal = self._submit(self.chosen())
        if refusal is None:
            super().accept()
        else:
            self.refusal.setText(refusal)
            self.refusal.show()

    def chosen(self) -> list[str]:
        rows = (self.list.item(n) for n in range(self.list.count()))
        return [
            r.data(Qt.ItemDataRole.UserRole)
            for r in rows
            if r is not None and r.checkState() == Qt.CheckState.Checked
        ]


class BallotGrid(QWidget):
    """A public ballot: each votant's vote, by name (represented members too).

    Its rows scroll with the rest of the vote panel, one scroll bar for the
    whole (a scroll area of its own left it two rows, between two others).

    A member's row (the name and « Pour », « Contre », « Abstention ») is made
    once and kept: ``prepare`` makes the council's rows a pass of the event
    loop each while the session is open, so a public ballot shows its grid
    without making 56 widgets at once (20 ms of a held GUI thread).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._rows: dict[str, tuple[QLabel, QButtonGroup]] = {}
        self._groups: dict[str, QButtonGroup] = {}
        self._voters: list[tuple[str, str]] = []
        self.hide()

    def prepare(self, members: list[tuple[str, str]]) -> None:
        """Make the rows of ``members`` ahead, one per pass of the event loop."""
        for member_id, name in members:
            if member_id not in self._rows:
                pacer().post(self, f"row {member_id}", partial(self._row, member_id, name))

    def _row(self, member_id: str, name: str) -> tuple[QLabel, QButtonGroup]:
        if member_id in self._rows:
            return self._rows[member_id]
        line = len(self._rows)
        name_label = label(name)
        name_label.setVisible(False)
        self._grid.addWidget(name_label, line, 0)
        name_label.ensurePolished()  # its style sheet applied now, not when shown
        group = QButtonGroup(self)
        for col, choice in enumerate(("pour", "contre", "abstention"), start=1):
            button = _button(choice.capitalize())
            button.setCheckable(True)
            button.setProperty("choice", choice)
            button.setVisible(False)
            group.addButton(button)
            self._grid.addWidget(button, line, col)
            button.ensurePolished()
        self._rows[member_id] = (name_label, group)
        return name_label, group

    def show_voters(self, voters: list[tuple[str, str]]) -> None:
        if voters == self._voters:
            return
        self._voters = voters
        # Children shown under a hidden parent, then the parent shown: one show
        # for the whole (1 ms); 56 shown one by one on screen took 12 ms.
        shown = not self.isHidden()
        self.setVisible(False)
        voting = {member_id for member_id, _name in voters}
        for member_id, (name_label, group) in self._rows.items():  # the ballot before
            widgets = [name_label, *group.buttons()]
            for widget in widgets:
                self._grid.removeWidget(widget)
            if member_id not in voting:  # shown again below otherwise: not hidden
                for widget in widgets:
                    widget.setVisible(False)
        self._groups = {}
        for line, (member_id, name) in enumerate(voters):
            name_label, group = self._row(member_id, name)
            name_label.setText(name)
            self._grid.addWidget(name_label, line, 0)
            name_label.setVisible(True)
            group.setExclusive(False)  # a new ballot: nobody has voted yet
            for col, button in enumerate(group.buttons(), start=1):
                button.setChecked(False)
                self._grid.addWidget(button, line, col)
                button.setVisible(True)
            group.setExclusive(True)
            self._groups[member_id] = group
        self.setVisible(shown)

    def set_choice(self, member_id: str, choice: str) -> None:
        for button in self._groups[member_id].buttons():
            button.setChecked(button.property("choice") == choice)

    def set_all(self, choice: str) -> None:
        for member_id in self._groups:
            self.set_choice(member_id, choice)

    def ballots(self, exclude: list[str]) -> dict[str, str]:
        chosen = {}
        for member_id, group in self._groups.items():
            button = group.checkedButton()
            if member_id not in exclude and button is not None:
                chosen[member_id] = str(button.property("choice"))
        return chosen


class NominationBox(QWidget):
    """One round of a nomination: the votes of each candidate."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        self.round = label("", "sectionTitle")
        layout.addWidget(self.round)
        add = QHBoxLayout()
        self.candidate = QComboBox()
        self.candidate.setMinimumWidth(380)
        self.candidate.setPlaceholderText("Choisissez un candidat")  # nobody by default
        add.addWidget(self.candidate)
        self.add_button = _button("Ajouter ce candidat")
        self.add_button.clicked.connect(self._on_add_clicked)
        add.addWidget(self.add_button)
        self.record_button = _button("Enregistrer le tour", "primary")
        add.addWidget(self.record_button)
        add.addStretch(1)
        layout.addLayout(add)
        self._rows = QGridLayout()
        layout.addLayout(self._rows)
        self.spins: dict[str, QSpinBox] = {}
        self.hide()

    def show_item(self, session: Session, item: Any, changed: bool) -> None:
        self.round.setText(
            f"Nomination — tour {len(item.rounds) + 1} (blancs ou nuls : case « Abstention »)"
        )
        members = sorted(session.members.values(), key=lambda m: m.rank)
        if self.candidate.count() != len(members):
            self.candidate.clear()
            for member in members:
                self.candidate.addItem(member.name, member.id)
            self.candidate.setCurrentIndex(-1)  # not the mayor because they come first
        if changed:
            for spin in self.spins.values():
                spin.setValue(0)

    def _on_add_clicked(self) -> None:
        member_id = self.candidate.currentData()
        if member_id is None:
            self.model.command_refused.emit("Choisissez d'abord le candidat dans la liste")
        elif member_id not in self.spins:
            self.add_candidate(str(member_id), self.candidate.currentText())

    def add_candidate(self, member_id: str, name: str) -> QSpinBox:
        row = len(self.spins)
        spin = QSpinBox()
        spin.setRange(0, 99)
        spin.setMinimumWidth(140)
        self._rows.addWidget(label(name), row, 0)
        self._rows.addWidget(spin, row, 1)
        self.spins[member_id] = spin
        return spin

    def votes(self) -> dict[str, int]:
        return {m: s.value() for m, s in self.spins.items()}


class _FittedLayout(QVBoxLayout):
    """A scroll area's content that takes the area's height and scrolls only
    below its minimum. With a wrapped title in it, Qt would size it by its
    preferred height for the width (``heightForWidth``): the vote panel then
    scrolled on every point, the list of members cut."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return False


class VotePanel(QWidget):
    """The point under discussion: its text, who takes part, the vote."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        # What is above the vote's buttons scrolls when a public ballot or a
        # nomination needs more room than the screen has: the mayor's window
        # never grows past its 1080 pixels (it did by up to 91, the session's
        # buttons then off the screen), and the buttons stay in sight.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.body = QScrollArea()
        self.body.setObjectName("voteBody")
        self.body.setWidgetResizable(True)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        host = QWidget()
        self.body.setWidget(host)
        outer.addWidget(self.body, 1)
        layout = _FittedLayout(host)
        self.title = label("Aucun point en discussion", "itemTitle", wrap=True)
        layout.addWidget(self.title)
        self.text = QPlainTextEdit()
        self.text.setMinimumHeight(200)
        layout.addWidget(self.text, 2)
        text_row = QHBoxLayout()
        self.save_text = _button("Enregistrer le texte")
        self.save_text.clicked.connect(self._on_save_text_clicked)
        text_row.addWidget(self.save_text)
        self.versions = label("", "muted")
        text_row.addWidget(self.versions, 1)
        layout.addLayout(text_row)

        who = QHBoxLayout()
        self.member = QComboBox()
        self.member.setMinimumWidth(380)
        # Nobody by default: never the mayor because they come first (the
        # mayor may not preside over the vote of their compte administratif).
        self.member.setPlaceholderText("Choisissez un élu")
        who.addWidget(self.member)
        self.interest_button = _button("Déclarer intéressé(e)")
        self.interest_button.clicked.connect(self._on_interest_clicked)
        who.addWidget(self.interest_button)
        self.president_button = _button("Élire président (compte administratif)")
        self.president_button.clicked.connect(self._on_president_clicked)
        who.addWidget(self.president_button)
        who.addStretch(1)
        # On the same row, to leave the text of the deliberation room to be read.
        self.public_request = _button("Scrutin public demandé…")
        self.public_request.clicked.connect(lambda: self._on_request_clicked("public"))
        self.secret_request = _button("Scrutin secret demandé…")
        self.secret_request.clicked.connect(lambda: self._on_request_clicked("secret"))
        who.addWidget(self.public_request)
        who.addWidget(self.secret_request)
        layout.addLayout(who)

        counts = QHBoxLayout()
        self.mode = label("", "sectionTitle")
        counts.addWidget(self.mode)
        self.spins: dict[str, QSpinBox] = {}
        for key, text in (("pour", "Pour"), ("contre", "Contre"), ("abstention", "Abstention")):
            counts.addWidget(label(text))
            spin = QSpinBox()
            spin.setRange(0, 99)
            spin.setMinimumWidth(140)
            counts.addWidget(spin)
            self.spins[key] = spin
        counts.addStretch(1)
        layout.addLayout(counts)

        self.not_taking = OpaqueRowsList()
        self.not_taking.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        # The names side by side, in rows: every member in sight without scrolling.
        self.not_taking.setFlow(QListView.Flow.LeftToRight)
        self.not_taking.setWrapping(True)
        self.not_taking.setResizeMode(QListView.ResizeMode.Adjust)
        self.not_taking.setSpacing(4)
        self.not_taking.setObjectName("memberChips")
        self.not_taking.setItemDelegate(NameChips(self.not_taking))
        # Two rows of names without scrolling, in the viewport inset by 3 px
        # on each side (``OpaqueRowsList``).
        self.not_taking.setMaximumHeight(156)
        layout.addWidget(label("Ne prennent pas part au vote (touchez les noms) :"))
        layout.addWidget(self.not_taking)

        self.ballots = BallotGrid()
        layout.addWidget(self.ballots)
        self.nomination = NominationBox(model)
        self.nomination.record_button.clicked.connect(self.record_round)
        layout.addWidget(self.nomination)

        buttons = QHBoxLayout()
        self.unanimity = _button("Unanimité")
        self.unanimity.clicked.connect(self._on_unanimity_clicked)
        self.preview_button = _button("Voir le résultat")
        self.preview_button.clicked.connect(self._on_preview_clicked)
        self.confirm = _button("Enregistrer le vote", "primary")
        self.confirm.clicked.connect(self._on_confirm_clicked)
        buttons.addWidget(self.unanimity)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.confirm)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.preview = label("", wrap=True)
        outer.addWidget(self.preview)
        self._item: str | None = None
        self._present: list[tuple[str, str]] = []
        self._voters: list[tuple[str, str]] = []

    def show_session(self, session: Session | None) -> None:
        item = session.item(session.current_item) if session and session.current_item else None
        if session is None or item is None:
            self._item = None
            self.title.setText("Aucun point en discussion : choisissez-en un dans l'ordre du jour")
            self.text.clear()
            self.versions.setText("")
            self.mode.setText("")
            self.preview.setText("")
            self.member.clear()
            self.not_taking.clear()
            self._present, self._voters = [], []
            for widget in (
                self.unanimity,
                self.preview_button,
                self.confirm,
                self.save_text,
                self.interest_button,
                *self.spins.values(),
            ):
                widget.setEnabled(False)
            self.president_button.setVisible(False)
            return
        self.save_text.setEnabled(True)
        self.interest_button.setEnabled(True)
        changed = item.id != self._item
        self._item = item.id
        position = next((n for n, i in enumerate(session.agenda(), 1) if i.id == item.id), 0)
        self.title.setText(item_line(position, item).replace("\n      ", " — "))
        if (changed or not self.text.hasFocus()) and self.text.toPlainText() != item.text:
            self.text.setPlainText(item.text)
        self.versions.setText(f"Version {item.texts[-1].version}" if item.texts else "")
        voting = item.status is ItemStatus.UNDER_DISCUSSION and item.kind in (
            ItemKind.DELIBERATION,
            ItemKind.COMPTE_ADMINISTRATIF,
        )
        for widget in (self.unanimity, self.preview_button, self.confirm, *self.spins.values()):
            widget.setEnabled(voting)
        self.president_button.setVisible(item.kind is ItemKind.COMPTE_ADMINISTRATIF)
        elect = rules.electorate(session, item)
        mode = {"secret": "Scrutin secret", "public": "Scrutin public"}.get(
            _required_mode(item), "Vote à main levée"
        )
        self.mode.setText(f"{mode} — {len(elect.voters)} votants possibles")
        # Lists rebuilt only when who is in them changed: an edit of the text
        # or a vote keeps the mayor's choices and costs no redraw.
        present = [
            (member_id, session.name(member_id))
            for member_id in sorted(session.present(), key=lambda m: session.members[m].rank)
        ]
        # Another point with the same members present: the same lists, the
        # mayor's choices of the last point cleared (made again, every chip
        # was measured, laid out and painted again through the style sheet).
        if present != self._present:
            chosen = None if changed else self.member.currentData()
            self._present = present
            self.member.clear()
            for member_id, name in present:
                self.member.addItem(name, member_id)
            self.member.setCurrentIndex(self.member.findData(chosen) if chosen else -1)
        elif changed:
            self.member.setCurrentIndex(-1)
        voters = [(voter, session.name(voter)) for voter in elect.voters]
        if voters != self._voters:
            self._voters = voters
            self.not_taking.clear()
            for voter, name in voters:
                row = QListWidgetItem(name)
                row.setData(Qt.ItemDataRole.UserRole, voter)
                self.not_taking.addItem(row)
        elif changed and self.not_taking.selectionModel().hasSelection():
            # Only when a chip is chosen: clearing no choice repainted every chip.
            self.not_taking.clearSelection()
        self._mode = _required_mode(item)
        self.ballots.setVisible(voting and self._mode == "public")
        if voting and self._mode == "public":
            self.ballots.show_voters([(v, session.name(v)) for v in elect.voters])
        for spin_key in ("pour", "contre"):
            self.spins[spin_key].setEnabled(voting and self._mode != "public")
        nominating = item.kind is ItemKind.NOMINATION and item.status is ItemStatus.UNDER_DISCUSSION
        self.nomination.setVisible(nominating)
        if nominating:
            self.nomination.show_item(session, item, changed)
            self.spins["abstention"].setEnabled(True)
        if changed:
            self.preview.setText("")
            for spin in self.spins.values():
                if spin.value():  # a count already at 0, set again, was repainted
                    spin.setValue(0)

    def _not_taking_part(self) -> list[str]:
        return [r.data(Qt.ItemDataRole.UserRole) for r in self.not_taking.selectedItems()]

    def _fields(self) -> dict[str, Any]:
        chosen = self._not_taking_part()
        if getattr(self, "_mode", "ordinaire") == "public":
            fields: dict[str, Any] = {"ballots": self.ballots.ballots(exclude=chosen)}
        else:
            fields = {k: s.value() for k, s in self.spins.items()}
        if chosen:
            fields["not_taking_part"] = chosen
        return fields

    def _on_unanimity_clicked(self) -> None:
        if getattr(self, "_mode", "ordinaire") == "public":
            self.ballots.set_all("pour")
            self.record(self._fields())
        else:
            fields: dict[str, Any] = {"unanimous": True}
            if self._not_taking_part():
                fields["not_taking_part"] = self._not_taking_part()
            self.record(fields)

    def _on_request_clicked(self, mode: str) -> None:
        session = self.model.session
        if session is None or self._item is None:
            self.model.command_refused.emit("Mettez d'abord un point en discussion")
            return
        item = self._item
        open_dialog(
            MembersDialog(
                f"Qui demande le scrutin {mode} ?",
                [
                    (m, session.name(m))
                    for m in sorted(session.present(), key=lambda m: session.members[m].rank)
                ],
                lambda members: self._send_ballot_request(item, mode, members),
                self,
            )
        )

    def request_ballot(self, mode: str, members: list[str]) -> str | None:
        """Record that ``members`` ask for a ``mode`` ballot on the point under
        discussion; the engine's refusal in words, or None."""
        return self._send_ballot_request(self._item, mode, members)

    def _send_ballot_request(self, item: str | None, mode: str, members: list[str]) -> str | None:
        if item is None:
            return "Aucun point en discussion"
        return self.model.submit(
            {"cmd": "request_ballot", "item": item, "mode": mode, "members": members}
        )

    def record_round(self) -> None:
        if self._item is not None:
            fields: dict[str, Any] = {
                "votes": self.nomination.votes(),
                "blank_or_null": self.spins["abstention"].value(),
            }
            if self._not_taking_part():
                fields["not_taking_part"] = self._not_taking_part()
            self.model.execute({"cmd": "nomination_round", "item": self._item, **fields})

    def _on_preview_clicked(self) -> None:
        if self._item is None:
            return
        command = {"cmd": "vote", "item": self._item, **self._fields()}
        if self.model.session_id:
            command["session"] = self.model.session_id
        try:
            decision = self.model.engine.preview(command)
        except CommandRefused as refusal:
            self.model.command_refused.emit(refusal.message)
            return
        vote = decision.payload["vote"]
        self.preview.setText(f"Résultat si vous confirmez : {vote['reason']}")
        restyle(self.preview, "adopted" if vote["result"] == "adopte" else "rejected")

    def _on_confirm_clicked(self) -> None:
        self.record(self._fields())

    def record(self, fields: dict[str, Any]) -> None:
        if self._item is not None:
            self.model.execute({"cmd": "vote", "item": self._item, **fields})

    def _on_save_text_clicked(self) -> None:
        if self._item is not None:
            self.model.execute(
                {"cmd": "edit_text", "item": self._item, "text": self.text.toPlainText()}
            )

    def _chosen_member(self) -> str | None:
        """The member chosen in the list; if none, say so."""
        member = self.member.currentData()
        if member is None:
            self.model.command_refused.emit("Choisissez d'abord l'élu dans la liste")
        return member

    def _on_interest_clicked(self) -> None:
        if self._item is not None and self._chosen_member():
            self.model.execute(
                {"cmd": "declare_interest", "item": self._item, "member": self.member.currentData()}
            )

    def _on_president_clicked(self) -> None:
        if self._item is not None and self._chosen_member():
            self.model.execute(
                {
                    "cmd": "elect_item_president",
                    "item": self._item,
                    "member": self.member.currentData(),
                }
            )


def _required_mode(item: Any) -> str:
    modes = {r["mode"] for r in item.ballot_requests}
    if "secret" in modes or (item.kind is ItemKind.NOMINATION and not item.open_vote_decided):
        return "secret"
    return "public" if "public" in modes else "ordinaire"


class ProjectionPanel(QWidget):
    """Show a document page on every seat that follows the mayor."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._shown: tuple[object, ...] = ()  # (session date, list version) listed
        layout = QVBoxLayout(self)
        layout.addWidget(label("Documents de la séance", "sectionTitle"))
        self.list = QListWidget()
        self.list.setWordWrap(True)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(label("Page"))
        self.page = QSpinBox()
        self.page.setRange(1, 9999)
        self.page.setMinimumWidth(160)
        row.addWidget(self.page)
        self.project_button = _button("Projeter sur les sièges", "primary")
        self.project_button.clicked.connect(self._on_project_clicked)
        self.stop_button = _button("Arrêter la projection")
        self.stop_button.clicked.connect(lambda: self.model.execute({"cmd": "stop_projection"}))
        row.addWidget(self.project_button)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        layout.addLayout(row)

    def show_session(self, session: Session | None) -> None:
        catalog = self.model.documents
        shown = (session.date if session else None, catalog.version)
        if shown == self._shown:
            return  # redrawn on every event of the session: the list only on a change
        self._shown = shown
        selected = self._selected()
        self.list.clear()
        if session is None or self.model.library is None:
            return
        for doc in catalog.documents():
            if doc["session_date"] != session.date or doc["status"] != "viewable":
                continue
            where = f"point {doc['item_position']}" if doc["item_position"] else "séance"
            title = doc.get("content_title") or doc["title"]
            row = QListWidgetItem(f"{title} ({where}, {doc['page_count']} p.)")
            row.setData(Qt.ItemDataRole.UserRole, doc)
            self.list.addItem(row)
            if selected and doc["document_id"] == selected["document_id"]:
                row.setSelected(True)

    def _selected(self) -> dict[str, Any] | None:
        rows = self.list.selectedItems()
        return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None

    def _on_project_clicked(self) -> None:
        doc = self._selected()
        if doc is None:
            self.model.command_refused.emit("Touchez d'abord le document à projeter")
            return
        self.model.execute(
            {
                "cmd": "project",
                "document": doc["document_id"],
                "title": doc["title"],
                "page": self.page.value(),
                "hash": doc["hash"],
            }
        )


class MasterScreen(QWidget):
    """The mayor's screen.

    Attributes:
        model: the live session; every action goes to its engine.
        tabs: Appel, Ordre du jour, Délibération et vote, Projection.
        seats: the table's seat service when it serves seats on the network
            (``table-app run --seats``), else None; "Sièges en réseau" shows then.
        seats_dialog: the "Sièges en réseau" panel last opened, if any.
        admin_panel: the "Administration" panel last opened, if any.
        view_windows: when the table is windowed (a laptop, the demo), its
            views' windows, which "Identifier les écrans" marks instead of the
            displays; set by ``TableViews``.
    """

    def __init__(
        self,
        model: SessionModel,
        commune: str,
        admin_pin: str | None = None,
        parent: QWidget | None = None,
        config: Any = None,
        viewer_factory: Any = None,
        seats: SeatService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.model = model
        self.header = HeaderBar(commune, "Écran du maire")
        self.banner = MessageBanner()
        self.roll_call = RollCallPanel(model)
        self.answers = AnswersPanel(model)
        self.agenda = AgendaPanel(model)
        self.vote = VotePanel(model)
        self.projection = ProjectionPanel(model)
        self.secretary = (
            SecretaryPanel(model, config, viewer_factory(self) if viewer_factory else None)
            if config is not None
            else None
        )
        self.tabs = QTabWidget()
        self.tabs.addTab(self.roll_call, "Appel")
        self.tabs.addTab(self.answers, "Réponses avant la séance")
        self.tabs.addTab(self.agenda, "Ordre du jour")
        self.tabs.addTab(self.vote, "Délibération et vote")
        self.tabs.addTab(self.projection, "Projection")
        if self.secretary is not None:
            self.tabs.addTab(self.secretary, "Secrétariat")
        #: only the tab shown is redrawn on an event, in a pass of the event loop
        #: of its own, the others when touched (``TableViews`` sets it: the
        #: mayor's screen shares the GUI thread with six seats and the feed's
        #: hand-over; a convocation redraws the answers' rows, 60 ms)
        self.paced = False
        self._stale: set[QWidget] = set()
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        # Between sessions: who came, year by year (a network seat's table has no journal).
        self._journal = getattr(model.engine, "journal", None)
        self.stats_button = _button("Statistiques")
        self.stats_button.clicked.connect(self.open_stats)
        self.stats_dialog: StatsDialog | None = None

        bottom = QHBoxLayout()
        self.suspend_button = _button("Suspendre la séance")
        self.suspend_button.clicked.connect(lambda: self.model.execute({"cmd": "suspend"}))
        self.resume_button = _button("Reprendre la séance")
        self.resume_button.clicked.connect(lambda: self.model.execute({"cmd": "resume"}))
        self.close_button = _button("Clore la séance", "danger")
        self.close_button.clicked.connect(lambda: self.model.execute({"cmd": "close"}))
        self.quit_button = _button("Quitter la table")
        self.quit_button.setVisible(admin_pin is not None)
        self.quit_button.clicked.connect(self._on_quit_button_clicked)
        self._admin_pin = admin_pin
        self.pin_dialog: PinDialog | None = None
        self.seats = seats
        self._timezone = config.commune.timezone if config is not None else "Europe/Paris"
        self.seats_button = _button("Sièges en réseau")
        self.seats_button.setVisible(seats is not None)
        self.seats_button.clicked.connect(self._on_seats_button_clicked)
        self.seats_dialog: SeatsAdminDialog | None = None
        self._config = config
        self.admin_button = _button("Administration")
        self.admin_button.clicked.connect(self._on_admin_button_clicked)
        # Before the session: the convocation, signed, placed and e-mailed (issue 13).
        self.convocation_button = _button("Envoyer la convocation")
        self.convocation_button.clicked.connect(self._on_convocation_button_clicked)
        self.convocation_dialog: Any = None
        self.admin_panel: AdminPanel | None = None
        self.view_windows: ViewWindows | None = None
        bottom.addWidget(self.quit_button)
        bottom.addWidget(self.seats_button)
        bottom.addWidget(self.admin_button)
        bottom.addWidget(self.convocation_button)
        bottom.addWidget(self.stats_button)
        bottom.addStretch(1)
        for button in (self.suspend_button, self.resume_button, self.close_button):
            bottom.addWidget(button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 12)
        layout.addWidget(self.header)
        body = QVBoxLayout()
        body.setContentsMargins(20, 12, 20, 0)
        body.addWidget(self.banner)
        body.addWidget(self.tabs, 1)
        body.addLayout(bottom)
        layout.addLayout(body, 1)

        model.session_changed.connect(self._on_model_session_changed)
        model.command_refused.connect(self.banner.show_refusal)
        model.warning_raised.connect(self.banner.show_notice)
        model.documents_changed.connect(
            lambda _e: pacer().post(
                self, "documents", lambda: self.projection.show_session(model.session)
            )
        )
        model.event_recorded.connect(self._on_model_event_recorded)
        self.refresh()

    def _on_quit_button_clicked(self) -> PinDialog:
        dialog = PinDialog("Quitter la table", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.pin_entered.connect(lambda pin: self._on_pin_entered(dialog, pin))
        dialog.open()
        self.pin_dialog = dialog
        return dialog

    def _on_pin_entered(self, dialog: PinDialog, pin: str) -> None:
        if self.leave_kiosk(pin):
            dialog.accept()
        else:
            dialog.refuse("Code administrateur incorrect : la table reste ouverte.")

    def _pin_matches(self, pin: str) -> bool:
        expected = self._admin_pin
        return expected is not None and hmac.compare_digest(pin.encode(), expected.encode())

    def leave_kiosk(self, pin: str) -> bool:
        """Quit the table if ``pin`` is the administrator's code."""
        if not self._pin_matches(pin):
            self.banner.show_refusal("Code administrateur incorrect : la table reste ouverte")
            return False
        log.warning("Sortie du mode kiosque par l'administrateur")
        app = QApplication.instance()
        if app is not None:
            app.quit()
        return True

    def _on_seats_button_clicked(self) -> PinDialog | None:
        # Pairing hands the session and its documents to a device: never
        # without the administrator's code, even on a table configured without one.
        return self._ask_admin_pin("Sièges en réseau", self.open_seats_admin)

    def _ask_admin_pin(self, title: str, then: Callable[[str], object]) -> PinDialog | None:
        """The keypad for the administrator's code; ``then(pin)`` once it is right."""
        if self._admin_pin is None:
            self.banner.show_refusal(
                f"« {title} » demande le code administrateur, qui n'est pas "
                "configuré : ajoutez admin_pin dans la section [kiosk] de la configuration"
            )
            return None
        dialog = PinDialog(title, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def entered(pin: str) -> None:
            if self._pin_matches(pin):
                dialog.accept()
                then(pin)
            else:
                dialog.refuse("Code administrateur incorrect.")

        dialog.pin_entered.connect(entered)
        dialog.open()
        self.pin_dialog = dialog
        return dialog

    def open_seats_admin(self, pin: str) -> SeatsAdminDialog | None:
        """Open "Sièges en réseau" if ``pin`` is the administrator's code."""
        if self.seats is None:
            return None
        if not self._pin_matches(pin):
            self.banner.show_refusal(
                "Code administrateur incorrect : « Sièges en réseau » reste fermé"
            )
            return None
        # Imported here: a table without seats never loads the network's modules.
        from screens.seats_admin import SeatsAdminDialog

        dialog = SeatsAdminDialog(self.seats, self, timezone=self._timezone)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.seats_dialog = dialog
        return dialog

    def _on_admin_button_clicked(self) -> PinDialog | None:
        return self._ask_admin_pin("Administration", self.open_admin)

    def open_admin(self, pin: str) -> AdminPanel | None:
        """Open "Administration" if ``pin`` is the administrator's code."""
        if not self._pin_matches(pin):
            self.banner.show_refusal(
                "Code administrateur incorrect : « Administration » reste fermée"
            )
            return None
        if self._config is None:
            self.banner.show_refusal(
                "La configuration de la table est inconnue de cet écran : « Administration » "
                "n'est pas disponible"
            )
            return None
        from screens.admin_panel import AdminPanel

        panel = AdminPanel(
            self._config,
            self,
            documents=self.model.documents if self.model.library is not None else None,
            seats=self.seats,
            view_windows=self.view_windows,
        )
        panel.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        panel.config_saved.connect(self._on_admin_config_saved)
        log.info("Administration ouverte depuis l'écran du maire")
        panel.open()
        self.admin_panel = panel
        return panel

    def _on_convocation_button_clicked(self) -> None:
        self.open_convocation()

    def open_convocation(self) -> Any:
        """« Envoyer la convocation »: the window-modal dialog that sends it off
        the GUI thread and shows the result per member."""
        if self._config is None:
            return None
        from screens.convocation_panel import ConvocationDialog

        dialog = ConvocationDialog(self.model, self._config, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.convocation_dialog = dialog
        return dialog

    def _on_admin_config_saved(self, config: Any) -> None:
        """What the running table takes at once: the printer."""
        if self.secretary is not None:
            self.secretary.printer = config.printer

    def open_stats(self) -> StatsDialog | None:
        """« Statistiques »: the members' participation, over the whole window."""
        if self._journal is None:
            return None
        if self.stats_dialog is None:  # kept: reopened, it reads only what is new
            cache = self._config.data_dir / CACHE_FILE if self._config is not None else None
            self.stats_dialog = StatsDialog(self.model, self._journal, cache, self)
        self.stats_dialog.open()
        return self.stats_dialog

    def refresh(self) -> None:
        session = self.model.session
        self.header.show_session(session)
        panels = (self.roll_call, self.answers, self.agenda, self.vote, self.projection)
        if session is not None and session.status is SessionStatus.OPEN:
            council = sorted(session.members.values(), key=lambda m: m.rank)
            self.vote.ballots.prepare([(m.id, m.name) for m in council])
        if self.paced:
            # Each tab redrawn when shown; the one shown now, in a pass of its own.
            self._stale.update(panels)
            pacer().post(self, "tab shown", self._show_current_tab)
        else:
            for panel in panels:
                panel.show_session(session)
        status = session.status.value if session else ""
        self.suspend_button.setVisible(status == "ouverte")
        self.resume_button.setVisible(status == "suspendue")
        self.close_button.setVisible(status in ("ouverte", "suspendue"))
        self.stats_button.setVisible(
            self._journal is not None and status not in ("ouverte", "suspendue")
        )
        self.convocation_button.setVisible(self._config is not None and status == "convoquee")

    def _on_model_session_changed(self) -> None:
        self.banner.hide()
        self.refresh()

    def _on_tabs_current_changed(self, _index: int) -> None:
        if self.paced:
            pacer().post(self, "tab shown", self._show_current_tab)
        else:
            self._show_current_tab()

    def _show_current_tab(self) -> None:
        panel = self.tabs.currentWidget()
        if panel in self._stale:
            self._stale.discard(panel)
            panel.show_session(self.model.session)  # type: ignore[attr-defined]

    def _on_model_event_recorded(self, event: Any) -> None:
        tab: QWidget | None = {
            EventType.ITEM_TAKEN_UP: self.vote,
            EventType.SESSION_OPENED: self.agenda,
            EventType.SESSION_CLOSED: self.secretary or self.agenda,
        }.get(event.type)
        if tab is None:
            return
        if self.paced:  # the tab's first show lays it out: a pass of its own
            pacer().post(self, "tab switched", lambda: self.tabs.setCurrentWidget(tab))
        else:
            self.tabs.setCurrentWidget(tab)
