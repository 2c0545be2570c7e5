"""« Réponses avant la séance »: each member's answer to the convocation.

From the convocation to the opening, the secretary (or the mayor) notes here
what each member said, by letter, e-mail or telephone: présent, absent
excusé, or a procuration to a colleague with the date it was signed. Each
touch is one ``answer`` command: the engine checks a procuration as the roll
call would (one per holder, a holder who will be there…) and refuses an
unlawful one in words (at the top of the screen), recording nothing. Answers a member dropped in their
folder of the synced cloud (``sync.inbox``) appear here too, with the files
received. The roll call then opens pre-filled.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from screens.session_model import SessionModel
from screens.widgets import label
from table_app.council.decide import answer_text
from table_app.council.state import (
    ANSWER_LABELS,
    ANSWER_SOURCES,
    Answer,
    AnswerKind,
    Session,
    SessionStatus,
)
from table_app.french import short_date

#: The three answers, as the buttons say them (object names: the roll call's colours).
ANSWER_BUTTONS = (
    (AnswerKind.PRESENT, "Présent", "present"),
    (AnswerKind.EXCUSED, "Absent excusé", "excused"),
    (AnswerKind.PROXY, "Procuration", "proxy"),
)

FOLDER_HELP = (
    "Les élus peuvent aussi répondre par leur dossier « Élus/<Nom>/ » : un fichier « réponse.txt » "
    "(« présent », « absent excusé » ou « procuration à <Nom> <date> ») ou le formulaire signé "
    "« procuration <Nom> <date>.pdf ». Propositions de points : « Séances/<date>/Propositions/"
    "<Nom> - <objet>.txt » ou « .pdf »."
)


def _under_name(answer: Answer) -> str:
    """The answer recorded, in a few words under the member's name (the holder
    of a procuration is in the row's list)."""
    said = (
        f"procuration signée le {short_date(str(answer.signed_on))}"
        if answer.answer is AnswerKind.PROXY
        else ANSWER_LABELS[answer.answer]
    )
    return said + (" (dossier)" if answer.source == "dossier" else "")


class AnswersPanel(QWidget):
    """One row per member: three answers, the holder and the signed date of a
    procuration, and the answer recorded (with where it came from)."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        self.state = label("", "muted", wrap=True)
        layout.addWidget(self.state)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # Up and down only: the rows fit the width (the names take what is left);
        # the vertical bar, when it comes, must not make them scroll sideways.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        host = QWidget()
        self.grid = QGridLayout(host)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(8)
        self.grid.setColumnStretch(0, 1)
        scroll.setWidget(host)
        layout.addWidget(scroll, 1)

        # The files the members dropped, once there is one (sync/inbox.py).
        self.files_title = label("Fichiers reçus dans les dossiers des élus", "sectionTitle")
        self.files = QListWidget()
        self.files.setWordWrap(True)
        self.files.setMaximumHeight(180)
        for widget in (self.files_title, self.files):
            widget.hide()
            layout.addWidget(widget)
        layout.addWidget(label(FOLDER_HELP, "answerNote", wrap=True))

        self.rows: dict[str, dict[str, Any]] = {}
        model.folder_noted.connect(self._on_model_folder_noted)

    # --- drawing -------------------------------------------------------------

    def show_session(self, session: Session | None) -> None:
        if session is None:
            self.state.setText("Aucune séance n'est convoquée.")
            return
        if not self.rows:
            self._build_rows(session)
        waiting = session.status is SessionStatus.CONVENED
        self.state.setText(
            "Notez la réponse de chaque élu à la convocation : l'appel s'ouvrira pré-rempli "
            "et chaque procuration est vérifiée dès maintenant."
            if waiting
            else "La séance est ouverte : les présences, absences et procurations se notent "
            "désormais à l'appel."
        )
        last_day = QDate.fromString(session.date, "yyyy-MM-dd")
        for member_id, row in self.rows.items():
            answer = session.answer_of(member_id)
            for kind, button in row["buttons"].items():
                button.setChecked(answer is not None and answer.answer is kind)
                button.setEnabled(waiting)
            holder: QComboBox = row["holder"]
            signed: QDateEdit = row["signed_on"]
            signed.setMaximumDate(last_day)
            if answer is not None and answer.answer is AnswerKind.PROXY:
                holder.setCurrentIndex(max(holder.findData(answer.holder), 0))
                signed.setDate(QDate.fromString(str(answer.signed_on), "yyyy-MM-dd"))
            holder.setEnabled(waiting)
            signed.setEnabled(waiting)
            row["answer"].setText(_under_name(answer) if answer is not None else "")
            row["answer"].setToolTip(
                f"{answer_text(session, answer)} — {ANSWER_SOURCES[answer.source]}"
                if answer is not None
                else ""
            )
            row["answer"].setVisible(answer is not None)

    def _build_rows(self, session: Session) -> None:
        members = sorted(session.members.values(), key=lambda m: m.rank)
        default_day = min(QDate.currentDate(), QDate.fromString(session.date, "yyyy-MM-dd"))
        for row_no, member in enumerate(members):
            # The name, and under it the answer recorded and where it came from.
            answer = label("", "answerNote", wrap=True)
            answer.hide()
            who = QWidget()
            # The names take what the row leaves: fixed at 400 px, the row was
            # wider than the list, which scrolled sideways (the dates cut off).
            who.setMinimumWidth(300)
            who_layout = QVBoxLayout(who)
            who_layout.setContentsMargins(0, 0, 0, 0)
            who_layout.setSpacing(0)
            who_layout.addWidget(label(member.name))
            who_layout.addWidget(answer)
            self.grid.addWidget(who, row_no, 0)
            buttons: dict[AnswerKind, QPushButton] = {}
            for col, (kind, text, name) in enumerate(ANSWER_BUTTONS, start=1):
                button = QPushButton(text)
                button.setObjectName(name)
                button.setCheckable(True)
                button.clicked.connect(
                    lambda _checked=False, m=member.id, k=kind: self.answer(m, k)
                )
                self.grid.addWidget(button, row_no, col)
                buttons[kind] = button
            holder = QComboBox()
            holder.setMinimumWidth(340)
            holder.addItem("Mandataire…", None)
            for other in members:
                if other.id != member.id:
                    holder.addItem(other.name, other.id)
            self.grid.addWidget(holder, row_no, 4)
            signed = QDateEdit(default_day)
            signed.setCalendarPopup(True)
            signed.setDisplayFormat("dd/MM/yyyy")
            signed.setMinimumWidth(220)
            signed.setToolTip("Date de signature de la procuration")
            self.grid.addWidget(signed, row_no, 5)
            self.rows[member.id] = {
                "buttons": buttons,
                "holder": holder,
                "signed_on": signed,
                "answer": answer,
            }

    # --- actions -------------------------------------------------------------

    def answer(self, member_id: str, kind: AnswerKind) -> str | None:
        """Record ``member_id``'s answer; the refusal in words, or None."""
        command: dict[str, Any] = {"cmd": "answer", "member": member_id, "answer": kind.value}
        if kind is AnswerKind.PROXY:
            row = self.rows[member_id]
            holder = row["holder"].currentData()
            if holder is None:
                message = "Choisissez d'abord le mandataire dans la liste, et la date de signature"
                self.model.command_refused.emit(message)
                self.show_session(self.model.session)
                return message
            command["holder"] = holder
            command["signed_on"] = row["signed_on"].date().toString("yyyy-MM-dd")
        refusal = self.model.submit(command)  # a refusal is said at the top of the screen
        self.show_session(self.model.session)  # undo a refused touch
        return refusal

    def _on_model_folder_noted(self, note: Any) -> None:
        mark = {"recorded": "✓", "refused": "✗", "not_understood": "?"}.get(note.kind, "•")
        self.files.insertItem(0, f"{mark} {note.message}")
        self.files.item(0).setData(Qt.ItemDataRole.UserRole, note)
        self.files_title.show()
        self.files.show()


__all__ = ["ANSWER_BUTTONS", "AnswersPanel"]
