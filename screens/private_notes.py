"""A councillor's private notes at a seat: who is writing, their code, their tools.

A seat is shared: "Annoter" first asks who the councillor is (the seat's
members, by name) and their personal code, on a keypad. Only then are their
notes on the document drawn over the pages, and the tools shown in place of
the thumbnails: Stylo, Surligner, Note (a text typed in a dialog, pinned where
the finger touched), Effacer (each note touched), Tout effacer, Exporter en
PDF. "Verrouiller", or three minutes without a touch on the seat, hides the
notes again and forgets the code.

The notes are kept by the table (``table_app.notes.PrivateNotes``), never by
the seat: on the table's own computer through ``LocalNotes`` (a worker
thread), on a seat on the network through its link (``screens.remote_seat``),
with the same requests and answers (``PrivateNotes.answer``). Every request
carries the member's code and the table checks it each time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QGridLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from screens.note_layer import NoteTool
from screens.pin_pad import PinDialog
from screens.widgets import ConfirmDialog, MessageBanner, dialog_buttons, label
from table_app.config import Config
from table_app.notes import MAX_TEXT, Note, PrivateNotes, parse_note

log = logging.getLogger("screens")

#: Without a touch on the seat for this long, the notes are locked again.
NOTES_IDLE_MS = 3 * 60 * 1000
#: ``reply(answer, None)``, or ``reply(None, refusal in French)``.
NotesReply = Callable[[dict[str, Any] | None, str | None], None]


class NotesBackend(Protocol):
    """Where a seat's notes requests go: the table's ``PrivateNotes``, near or far.

    ``kind`` is one of sync/net/protocol.py's ``notes_*`` frames; ``fields``
    its own fields (``note``, ``id``); the answer comes later, on the GUI thread.
    """

    def request(
        self,
        kind: str,
        member: str,
        pin: str,
        content_hash: str,
        fields: dict[str, Any],
        reply: NotesReply,
    ) -> None: ...


class LocalNotes(QObject):
    """The seats of the table's own computer: ``PrivateNotes`` on one worker
    thread (a code check is a scrypt, a save a committed write), the answers
    told on the GUI thread."""

    _answered = Signal(object, object)  # reply, the worker's Future

    def __init__(self, notes: PrivateNotes, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.notes = notes
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notes")
        self._answered.connect(self._on_self_answered)

    def request(
        self,
        kind: str,
        member: str,
        pin: str,
        content_hash: str,
        fields: dict[str, Any],
        reply: NotesReply,
    ) -> None:
        asked = {"member": member, "pin": pin, "hash": content_hash, **fields}
        future = self._pool.submit(self.notes.answer, kind, asked)
        # Told from the worker thread: the signal crosses to the GUI thread.
        future.add_done_callback(lambda done: self._answered.emit(reply, done))

    def _on_self_answered(self, reply: NotesReply, done: Future[dict[str, Any]]) -> None:
        try:
            answer = done.result()
        except Exception as error:
            log.exception("Notes privées en échec")
            reply(None, f"Les notes n'ont pas pu être lues ou écrites : {error}")
            return
        if "message" in answer:
            reply(None, str(answer["message"]))
        else:
            reply(answer, None)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def table_notes(
    config: Config,
    library: Any,
    shared: PrivateNotes | None = None,
    parent: QObject | None = None,
) -> LocalNotes | None:
    """The private notes of the table's own seats: ``shared`` (the seat
    service's, so that the brake on wrong codes counts every seat), else kept
    in the library's database; None without a document library."""
    if shared is None:
        if library is None or not hasattr(library, "db"):
            return None
        shared = PrivateNotes(
            library.db, config.members, config.documents_folder, library.viewable_path
        )
    return LocalNotes(shared, parent)


class UnlockDialog(PinDialog):
    """ "Qui êtes-vous ?": the seat's members as big buttons, then the personal
    code on the keypad. A wrong code is refused here, in words.

    Signals:
        unlock_requested(str, str): the member chosen and the code typed.
    """

    unlock_requested = Signal(str, str)

    def __init__(self, members: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__("Mes notes privées", parent)
        self.hint.setText("Touchez votre nom, puis tapez votre code personnel.")
        self.member_buttons: dict[str, QPushButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        grid = QGridLayout()
        grid.setSpacing(14)
        for index, (member_id, name) in enumerate(members):
            button = QPushButton(name)
            button.setCheckable(True)
            button.setMinimumHeight(80)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self._group.addButton(button)
            self.member_buttons[member_id] = button
            grid.addWidget(button, index // 3, index % 3)
        if len(members) == 1:
            next(iter(self.member_buttons.values())).setChecked(True)
        box = self.layout()
        assert isinstance(box, QVBoxLayout)
        box.insertWidget(1, label("Qui êtes-vous ?", "muted"), 0, Qt.AlignmentFlag.AlignHCenter)
        box.insertLayout(2, grid)
        self.pin_entered.connect(self._on_self_pin_entered)

    def chosen(self) -> str | None:
        return next((m for m, b in self.member_buttons.items() if b.isChecked()), None)

    def choose(self, member_id: str) -> None:
        self.member_buttons[member_id].click()

    def type_pin(self, pin: str) -> None:
        """Type ``pin`` on the keypad and touch "Valider", as a councillor would."""
        for digit in pin:
            self.keys[digit].click()
        self.ok_button.click()

    def _on_self_pin_entered(self, pin: str) -> None:
        member = self.chosen()
        if member is None:
            self.refuse("Touchez d'abord votre nom, puis tapez votre code.")
            return
        self.banner.hide()
        self.ok_button.setEnabled(False)
        self.unlock_requested.emit(member, pin)

    def refuse(self, message: str) -> None:
        super().refuse(message)
        self._show()


class NoteTextDialog(QDialog):
    """The text of a note pinned on the page: typed, then "Épingler"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confirmDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowTitle("Note sur la page")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(18)
        layout.addWidget(label("Note sur la page", "sectionTitle"))
        layout.addWidget(label("Visible de vous seul, une fois vos notes ouvertes.", "muted"))
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("Par exemple : demander le détail du devis")
        self.text.setMinimumSize(820, 200)
        layout.addWidget(self.text)
        self.refusal = label("", "refusal", wrap=True)
        self.refusal.hide()
        layout.addWidget(self.refusal)
        layout.addWidget(dialog_buttons(self, "Épingler la note"))

    def note_text(self) -> str:
        return self.text.toPlainText().strip()

    def accept(self) -> None:
        text = self.note_text()
        if not text:
            self.refusal.setText("Écrivez le texte de la note")
            self.refusal.show()
            return
        if len(text) > MAX_TEXT:
            self.refusal.setText(f"Une note a au plus {MAX_TEXT} caractères")
            self.refusal.show()
            return
        super().accept()

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt override)
        parent = self.parentWidget()
        self.adjustSize()
        if parent is not None:
            self.move(parent.window().geometry().center() - self.rect().center())
        super().showEvent(event)


class PrivateNotesControls(QObject):
    """A seat's private notes: the "Annoter" button, who is unlocked, the tools.

    Attributes:
        member: the member whose notes are open, or None (locked).
        panel: "Annoter", whose notes are open and "Verrouiller mes notes"
            (the seat puts it under its list of documents).
        tools: the tool column, shown in place of the thumbnails while annotating.

    Signals:
        unlocked(str): a member's notes were opened (their id).
        locked(): the notes were closed (the button, or no touch for a while).
        notes_shown(): the notes of the document shown were drawn (after a
            request came back: unlocking, opening a document, erasing all).
    """

    unlocked = Signal(str)
    locked = Signal()
    notes_shown = Signal()

    def __init__(
        self,
        backend: NotesBackend,
        viewer: Any,
        members: Callable[[], list[tuple[str, str]]],
        current_hash: Callable[[], str | None],
        banner: MessageBanner,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.viewer = viewer
        self._members = members
        self._current_hash = current_hash
        self.banner = banner
        self._seat = parent
        self.member: str | None = None
        self.member_name = ""
        self._pin = ""
        self._hash: str | None = None  # the document whose notes are drawn
        self.dialog: UnlockDialog | None = None
        self.text_dialog: NoteTextDialog | None = None
        self.confirm: ConfirmDialog | None = None
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(NOTES_IDLE_MS)
        self._idle.timeout.connect(self._on_idle_timeout)
        self._watching = False
        self._build()
        viewer.note_drawn.connect(self._on_viewer_note_drawn)
        viewer.note_text_requested.connect(self._on_viewer_note_text_requested)
        viewer.note_erase_requested.connect(self._on_viewer_note_erase_requested)
        viewer.document_opened.connect(self._on_viewer_document_opened)
        viewer.install_note_tools(self.tools)

    def _build(self) -> None:
        self.annotate_button = QPushButton("Annoter")
        self.annotate_button.setObjectName("notesAnnotate")
        self.annotate_button.setMinimumHeight(72)
        self.annotate_button.setCheckable(True)
        self.annotate_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.annotate_button.setAccessibleName("Annoter la page : mes notes privées")
        self.annotate_button.setToolTip("Mes notes privées")
        self.annotate_button.clicked.connect(self._on_annotate_button_clicked)

        self.who_label = label("", "notesOwner", wrap=True)
        self.lock_button = QPushButton("Verrouiller")
        self.lock_button.setObjectName("notesLock")
        self.lock_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lock_button.setAccessibleName("Verrouiller mes notes")
        self.lock_button.clicked.connect(self._on_lock_button_clicked)
        self.who = QWidget()
        who = QVBoxLayout(self.who)
        who.setContentsMargins(0, 0, 0, 0)
        who.setSpacing(10)
        who.addWidget(self.who_label)
        who.addWidget(self.lock_button)
        self.who.hide()
        # Under the seat's list of documents, beside the viewer: the footer and
        # the header of the viewer have no room left for it on a seat.
        self.panel = QWidget()
        column = QVBoxLayout(self.panel)
        column.setContentsMargins(0, 12, 0, 0)
        column.setSpacing(10)
        column.addWidget(self.annotate_button)
        column.addWidget(self.who)

        self.tools = QWidget()
        self.tools.setObjectName("notesTools")
        self.tools.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        column = QVBoxLayout(self.tools)
        column.setContentsMargins(10, 10, 10, 10)
        column.setSpacing(8)
        self.tool_buttons: dict[NoteTool, QPushButton] = {}
        self._tool_group = QButtonGroup(self)
        self._tool_group.setExclusive(True)
        for tool, text, name in (
            (NoteTool.INK, "Stylo", "Écrire à main levée"),
            (NoteTool.HIGHLIGHT, "Surligner", "Surligner un passage"),
            (NoteTool.TEXT, "Note", "Épingler une note écrite"),
            (NoteTool.ERASE, "Effacer", "Effacer la note touchée"),
        ):
            button = self._tool_button(text, name)
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, t=tool: self.choose_tool(t))
            self._tool_group.addButton(button)
            self.tool_buttons[tool] = button
            column.addWidget(button)
        column.addStretch(1)
        self.erase_all_button = self._tool_button("Tout\neffacer", "Effacer toutes mes notes")
        self.erase_all_button.setObjectName("danger")
        self.erase_all_button.clicked.connect(self._on_erase_all_button_clicked)
        self.export_button = self._tool_button("Exporter\nen PDF", "Exporter mes notes en PDF")
        self.export_button.clicked.connect(self._on_export_button_clicked)
        column.addWidget(self.erase_all_button)
        column.addWidget(self.export_button)
        self.tools.setFixedWidth(174)  # the thumbnail strip's width: the page keeps its size
        self.tools.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.tools.hide()

    def _tool_button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName("noteTool")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAccessibleName(name)
        button.setToolTip(name)
        button.setMinimumHeight(72)
        return button

    # --- state -----------------------------------------------------------------------

    @property
    def is_unlocked(self) -> bool:
        return self.member is not None

    def annotating(self) -> bool:
        return self.is_unlocked and self.annotate_button.isChecked()

    def choose_tool(self, tool: NoteTool) -> None:
        self.tool_buttons[tool].setChecked(True)
        if self.annotating():
            self.viewer.set_note_tool(tool)

    def _current_tool(self) -> NoteTool:
        return next((t for t, b in self.tool_buttons.items() if b.isChecked()), NoteTool.INK)

    def set_annotating(self, on: bool) -> None:
        """Annotate (the tools, one finger writes) or read (the thumbnails, one
        finger turns the pages); the notes stay drawn while unlocked."""
        on = on and self.is_unlocked
        self.annotate_button.setChecked(on)
        self.tools.setVisible(on)
        self.viewer.thumbnail_strip.setVisible(not on)
        self.viewer.set_note_tool(self._current_tool() if on else None)

    # --- unlocking ----------------------------------------------------------------------

    def _on_annotate_button_clicked(self, checked: bool) -> None:
        if self.is_unlocked:
            self.set_annotating(checked)
            return
        self.annotate_button.setChecked(False)
        self.open_unlock_dialog()

    def open_unlock_dialog(self) -> UnlockDialog | None:
        content_hash = self._current_hash()
        if content_hash is None:
            self.banner.show_refusal("Ouvrez d'abord un document pour l'annoter")
            return None
        members = self._members()
        if not members:
            self.banner.show_refusal("Aucun élu n'est assis à ce siège : les notes sont fermées")
            return None
        dialog = UnlockDialog(members, self._seat)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.unlock_requested.connect(self._on_dialog_unlock_requested)
        self.dialog = dialog
        # Modal to this seat only: the other seats and the mayor's screen go on.
        dialog.open()
        return dialog

    def _on_dialog_unlock_requested(self, member: str, pin: str) -> None:
        dialog = self.dialog
        content_hash = self._current_hash()
        if dialog is None or content_hash is None:
            return

        def answered(answer: dict[str, Any] | None, refusal: str | None) -> None:
            if not shiboken6.isValid(dialog):
                return  # closed meanwhile
            if answer is None:
                dialog.refuse(refusal or "Code refusé")
                return
            names = dict(self._members())
            self._unlock(member, names.get(member, member), pin)
            self._show_answer(content_hash, answer)
            dialog.accept()
            self.set_annotating(True)

        self.backend.request("notes_list", member, pin, content_hash, {}, answered)

    def _unlock(self, member: str, name: str, pin: str) -> None:
        self.member, self.member_name, self._pin = member, name, pin
        self.who_label.setText(f"Notes de {name} ouvertes")
        self.who.show()
        self._watch_touches(True)
        self._idle.start()
        self.banner.show_notice(
            f"Notes de {name} ouvertes, visibles de vous seul : « Verrouiller » en partant "
            "(elles se ferment seules après 3 minutes sans toucher l'écran)."
        )
        self.unlocked.emit(member)

    def lock(self) -> None:
        """Hide the notes and forget the code."""
        if not self.is_unlocked:
            return
        self.set_annotating(False)
        self.member, self.member_name, self._pin, self._hash = None, "", "", None
        self.viewer.set_notes([])
        self.who.hide()
        self._idle.stop()
        self._watch_touches(False)
        for dialog in (self.text_dialog, self.confirm):
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.reject()
        self.locked.emit()

    def _on_lock_button_clicked(self) -> None:
        self.lock()
        self.banner.show_notice("Notes verrouillées")

    def _on_idle_timeout(self) -> None:
        if self.is_unlocked:
            self.lock()
            self.banner.show_notice(
                "Notes verrouillées : l'écran n'a pas été touché depuis 3 minutes"
            )

    # --- any touch on this seat keeps the notes open -------------------------------------

    def _watch_touches(self, on: bool) -> None:
        app = QApplication.instance()
        if app is None or on == self._watching:
            return
        self._watching = on
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.TouchBegin,
            QEvent.Type.TouchUpdate,
            QEvent.Type.KeyPress,
            QEvent.Type.Wheel,
        ) and isinstance(watched, QWidget):
            seat = self._seat.window()
            top = watched.window()
            owner = top.parentWidget()  # a dialog of this seat belongs to its window
            if top is seat or (owner is not None and owner.window() is seat):
                self._idle.start()
        return False

    # --- the document's notes --------------------------------------------------------------

    def _on_viewer_document_opened(self, _title: str) -> None:
        self._hash = None  # nothing is saved on the new document before its notes are here
        self.refresh()

    def refresh(self) -> None:
        """Ask the table for the member's notes on the document shown."""
        content_hash = self._current_hash()
        if not self.is_unlocked or content_hash is None:
            return
        member = self.member
        assert member is not None

        def answered(answer: dict[str, Any] | None, refusal: str | None) -> None:
            if self.member != member:
                return
            if answer is None:
                self.banner.show_refusal(refusal or "Notes illisibles")
                return
            self._show_answer(content_hash, answer)

        self._request("notes_list", content_hash, {}, answered)

    def _show_answer(self, content_hash: str, answer: dict[str, Any]) -> None:
        if content_hash != self._current_hash():
            return  # another document was opened meanwhile
        self._hash = content_hash
        self.viewer.set_notes([parse_note(raw, with_id=True) for raw in answer["notes"]])
        self.notes_shown.emit()

    def _request(
        self, kind: str, content_hash: str, fields: dict[str, Any], reply: NotesReply
    ) -> None:
        assert self.member is not None
        self.backend.request(kind, self.member, self._pin, content_hash, fields, reply)

    def _save(self, note: Note) -> None:
        content_hash = self._hash
        if not self.is_unlocked or content_hash is None:
            return
        self.viewer.set_notes([*self.viewer.notes(), note])  # drawn at once, kept when stored
        member = self.member

        def answered(answer: dict[str, Any] | None, refusal: str | None) -> None:
            if self.member != member or self._hash != content_hash:
                return
            notes = self.viewer.notes()
            if note in notes:
                notes.remove(note)
            if answer is None:
                self.viewer.set_notes(notes)
                self.banner.show_refusal(f"Note non gardée : {refusal}")
                return
            self.viewer.set_notes([*notes, parse_note(answer["note"], with_id=True)])

        self._request("notes_save", content_hash, {"note": note}, answered)

    def _on_viewer_note_drawn(self, note: Note) -> None:
        self._save(note)

    def _on_viewer_note_text_requested(self, page: int, x: float, y: float) -> None:
        if not self.is_unlocked:
            return
        dialog = NoteTextDialog(self._seat)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self._save(Note("text", page, point=(x, y), text=dialog.note_text()))
        )
        self.text_dialog = dialog
        dialog.open()

    def erase(self, note_id: int) -> None:
        """Erase one of the member's notes (the eraser touched it)."""
        content_hash = self._hash
        if not self.is_unlocked or content_hash is None:
            return
        kept = [n for n in self.viewer.notes() if n.id != note_id]
        self.viewer.set_notes(kept)

        def answered(answer: dict[str, Any] | None, refusal: str | None) -> None:
            if answer is None:
                self.banner.show_refusal(f"Note non effacée : {refusal}")
                self.refresh()

        self._request("notes_erase", content_hash, {"id": note_id}, answered)

    def _on_viewer_note_erase_requested(self, note_id: int) -> None:
        self.erase(note_id)

    def _on_erase_all_button_clicked(self) -> None:
        if not self.is_unlocked or self._hash is None:
            return
        confirm = ConfirmDialog(
            "Effacer toutes mes notes sur ce document ?",
            f"Les notes de {self.member_name} sur toutes les pages de ce document seront "
            "effacées pour de bon.",
            "Tout effacer",
            self._seat,
        )
        confirm.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        confirm.accepted.connect(self.erase_all)
        self.confirm = confirm
        confirm.open()

    def erase_all(self) -> None:
        content_hash = self._hash
        if not self.is_unlocked or content_hash is None:
            return

        def answered(answer: dict[str, Any] | None, refusal: str | None) -> None:
            if answer is None:
                self.banner.show_refusal(f"Notes non effacées : {refusal}")
            else:
                self.banner.show_notice(f"{answer['erased']} note(s) effacée(s)")
            self.refresh()

        self._request("notes_erase", content_hash, {"id": 0}, answered)

    def _on_export_button_clicked(self) -> None:
        self.export()

    def export(self) -> None:
        """The document with the member's notes, into their own folder."""
        content_hash = self._hash
        if not self.is_unlocked or content_hash is None:
            return
        self.export_button.setEnabled(False)

        def answered(answer: dict[str, Any] | None, refusal: str | None) -> None:
            if shiboken6.isValid(self.export_button):
                self.export_button.setEnabled(True)
            if answer is None:
                self.banner.show_refusal(f"Export impossible : {refusal}")
            else:
                self.banner.show_notice(
                    f"Vos notes sont exportées dans votre dossier : {answer['path']}"
                )

        self._request("notes_export", content_hash, {}, answered)


__all__ = [
    "NOTES_IDLE_MS",
    "LocalNotes",
    "NoteTextDialog",
    "NotesBackend",
    "PrivateNotesControls",
    "UnlockDialog",
    "table_notes",
]
