"""The live session as every view sees it: the engine's state, told by signals.

Views never talk to each other: each one holds the ``SessionModel`` and
redraws from it when it changes; every action is a command sent through
``execute``, which the engine accepts (an event, then ``session_changed``) or
refuses (``command_refused`` with its French message, nothing changed).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Qt, Signal

from sync.document_catalog import DocumentCatalog, DocumentInfo
from table_app.council.decide import Decision
from table_app.council.engine import Accepted
from table_app.council.errors import CommandRefused
from table_app.council.events import EventType
from table_app.council.state import CouncilState, Session
from table_app.journal import Event

if TYPE_CHECKING:
    from sync.inbox import FolderInbox, InboxNote


class SessionSource(Protocol):
    """What the views need of a session: the table's ``SessionEngine``, or a seat
    on the network's ``sync.net.remote.RemoteTable`` (which refuses commands)."""

    @property
    def state(self) -> CouncilState: ...

    def subscribe(self, subscriber: Callable[[Event], None]) -> Callable[[], None]: ...

    def execute(self, command: Mapping[str, Any], author: str = "president") -> Accepted: ...

    def preview(self, command: Mapping[str, Any], author: str = "president") -> Decision: ...


log = logging.getLogger("screens")


class SessionModel(QObject):
    """The current session of the table and the document feed, for the views.

    Attributes:
        engine: the session engine (rules, journal), or a network seat's remote table.
        session_id: the session shown, or None before any convocation.
        library: the document library (``sync.library.DocumentLibrary``) or None:
            for a document's bytes, never read by the views on the GUI thread.
        documents: the documents listed (``sync.document_catalog.DocumentCatalog``),
            loaded once on a worker thread and kept from the feed's events; what the
            views read.

    Signals:
        session_changed(): an event was recorded for the current session.
        event_recorded(object): that event (``table_app.journal.Event``).
        command_refused(str): the engine's French message for a refused command.
        documents_changed(object): the documents changed: the feed event applied
            to ``documents`` (on the GUI thread), or None once the list is loaded.
        warning_raised(str): an accepted command came with a warning.
        folder_noted(object): what the folder's inbox did with a file a member
            dropped (``sync.inbox.InboxNote``), on the GUI thread; a recorded one is
            also a notice, a refused or misunderstood one a refusal.
    """

    session_changed = Signal()
    event_recorded = Signal(object)
    command_refused = Signal(str)
    documents_changed = Signal(object)
    warning_raised = Signal(str)
    folder_noted = Signal(object)
    _folder_note_arrived = Signal(object)  # from the inbox's thread
    _document_event_arrived = Signal(object)  # from the document feed's thread
    _documents_arrived = Signal(object)  # the first list, from a worker thread

    def __init__(
        self,
        engine: SessionSource,
        session_id: str | None = None,
        library: Any = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.library = library
        self.session_id = session_id or self._latest_session()
        self._unsubscribe = engine.subscribe(self._on_engine_event)
        self.documents = DocumentCatalog()
        self._early: list[Event] = []  # feed events before the first list is in
        self._unsubscribe_feed: Callable[[], None] | None = None
        if library is not None and hasattr(library, "snapshot"):
            queued = Qt.ConnectionType.QueuedConnection
            self._document_event_arrived.connect(self._on_document_event_arrived, queued)
            self._documents_arrived.connect(self._on_documents_arrived, queued)
            self._unsubscribe_feed = library.feed.subscribe(self._document_event_arrived.emit)
            threading.Thread(
                target=self._load_documents, args=(library,), name="documents-list", daemon=True
            ).start()

    def _load_documents(self, library: Any) -> None:
        """On a worker thread: the library's list, in one query."""
        try:
            snapshot: Any = library.snapshot()
        except Exception as error:  # the table goes on; the mayor is told
            log.exception("Liste des documents non lue")
            snapshot = error
        with contextlib.suppress(RuntimeError):  # the model was deleted meanwhile
            self._documents_arrived.emit(snapshot)

    def _on_documents_arrived(self, snapshot: tuple[list[DocumentInfo], int] | Exception) -> None:
        if isinstance(snapshot, Exception):
            self.warning_raised.emit(
                f"La liste des documents n'a pas pu être lue : {snapshot}. "
                "Elle se complétera à chaque nouveau document."
            )
            self.documents.load([], 0)
        else:
            self.documents.load(*snapshot)
        early, self._early = self._early, []
        for event in early:
            self.documents.apply(event)
        self.documents_changed.emit(None)

    def _on_document_event_arrived(self, event: Event) -> None:
        if not self.documents.loaded:
            self._early.append(event)
        elif self.documents.apply(event):
            self.documents_changed.emit(event)

    def _latest_session(self) -> str | None:
        sessions = sorted(self.engine.state.sessions.values(), key=lambda s: (s.date, s.id))
        return sessions[-1].id if sessions else None

    @property
    def session(self) -> Session | None:
        if self.session_id is None:
            return None
        return self.engine.state.sessions.get(self.session_id)

    def execute(self, command: dict[str, Any], author: str = "president") -> Accepted | None:
        """Send one command; on refusal, say why and return None."""
        outcome = self._run(command, author, announce=True)
        return outcome if isinstance(outcome, Accepted) else None

    def submit(
        self, command: dict[str, Any], author: str = "president", *, announce: bool = True
    ) -> str | None:
        """Send one command for a dialog that shows the refusal in place: None
        once accepted, else the refusal in words. ``announce=False`` keeps the
        refusal and the warnings off the model's signals (a seat's own
        proposal: the mayor's banner need not tell it)."""
        outcome = self._run(command, author, announce=announce)
        return outcome.message if isinstance(outcome, CommandRefused) else None

    def _run(
        self, command: dict[str, Any], author: str, *, announce: bool
    ) -> Accepted | CommandRefused:
        if self.session_id is not None and command.get("cmd") != "convene":
            command = {"session": self.session_id, **command}
        try:
            accepted = self.engine.execute(command, author=author)
        except CommandRefused as refusal:
            log.info("Commande refusée (%s) : %s", command.get("cmd"), refusal.message)
            if announce:
                self.command_refused.emit(refusal.message)
            return refusal
        if announce:
            for warning in accepted.warnings:
                self.warning_raised.emit(warning)
        return accepted

    def _on_engine_event(self, event: Event) -> None:
        if event.type == EventType.SESSION_CONVENED and self.session_id is None:
            self.session_id = event.session_id
        if event.session_id == self.session_id:
            self.event_recorded.emit(event)
            self.session_changed.emit()

    def follow_inbox(self, inbox: FolderInbox) -> None:
        """Tell the views what the folder's inbox does (``sync.inbox``): its notes
        come from its own thread and are handed to the GUI thread here."""
        self._folder_note_arrived.connect(self._on_folder_note_arrived)  # queued across threads
        inbox.subscribe(self._folder_note_arrived.emit)

    def _on_folder_note_arrived(self, note: InboxNote) -> None:
        if note.kind == "recorded":
            self.warning_raised.emit(note.message)
        else:
            self.command_refused.emit(note.message)
        self.folder_noted.emit(note)

    def close(self) -> None:
        self._unsubscribe()
        if self._unsubscribe_feed is not None:
            self._unsubscribe_feed()
            self._unsubscribe_feed = None
