"""A councillor's seat screen: the agenda, the deliberation, the documents.

Read at arm's length by two or three councillors, by touch. Everything comes
from the ``SessionModel``; the only command a seat sends is a proposed point.
Each councillor's private notes on the documents ("Annoter") are theirs, not
the seat's: ``screens.private_notes``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from screens.pacing import pacer
from screens.private_notes import NotesBackend, PrivateNotesControls
from screens.session_model import SessionModel
from screens.widgets import (
    AgendaList,
    DeliberationPanel,
    HeaderBar,
    MessageBanner,
    dialog_buttons,
    fr_date,
    label,
)
from sync.document_catalog import Document
from table_app.config import Seat
from table_app.council.events import EventType
from table_app.journal import Event

log = logging.getLogger("screens")

#: Builds the widget that shows a document (``screens.document_viewer.DocumentViewer``).
ViewerFactory = Callable[[QWidget], Any]
#: Called with None once a proposal is recorded, else with its refusal in French.
Reply = Callable[[str | None], None]
#: Sends a councillor's proposal ``(member, title, reply)``: on the table's own
#: computer the engine answers at once; a seat on the network hears back later.
Proposer = Callable[[str, str, Reply], None]


def _short(name: str) -> str:
    """ "Bernard Rousseau" → "B. Rousseau": three names fit in the header."""
    first, _, last = name.partition(" ")
    return f"{first[0]}. {last}" if last else name


def document_title(doc: Document) -> str:
    """The title inside the file when it has one, else its name."""
    return str(doc.get("content_title") or doc["title"])


class DocumentsPanel(QWidget):
    """The documents of the point shown, the archive and the search, and a viewer.

    Signals are not needed: the seat drives it (``show_for_item``, ``open``).
    """

    def __init__(
        self,
        model: SessionModel,
        viewer_factory: ViewerFactory | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self._fetching: tuple[str, int] | None = None  # (hash, page) awaited from the table
        self.current_doc: Document | None = None  # the document in the viewer
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        side = QVBoxLayout()
        self.heading = label("Documents du point", "sectionTitle", wrap=True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.itemClicked.connect(self._on_list_item_clicked)
        side.addWidget(self.heading)
        side.addWidget(self.list, 1)
        self.side = side  # the seat adds its private notes' controls at the bottom
        holder = QWidget()
        holder.setLayout(side)
        holder.setMaximumWidth(300)  # the page gets the rest: an A4 page at its printed width
        layout.addWidget(holder)
        self.viewer = viewer_factory(self) if viewer_factory else None
        if self.viewer is not None:
            layout.addWidget(self.viewer, 1)
        else:
            layout.addWidget(label("Visionneuse indisponible", "muted"), 1)
        self.user_navigated: Callable[[], None] = lambda: None
        navigation = getattr(self.viewer, "navigation_requested", None)
        if navigation is not None:
            # A councillor who swipes, flips, zooms or taps a thumbnail browses
            # on their own: every way a person moves comes through this signal.
            navigation.connect(lambda: self.user_navigated())

    def list_documents(self, heading: str, documents: Sequence[Document]) -> None:
        self.heading.setText(heading)
        self.list.clear()
        if not documents:
            empty = QListWidgetItem("Aucun document")
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)
        for doc in documents:
            pages = f"{doc['page_count']} page{'s' if doc['page_count'] > 1 else ''}"
            text = f"{document_title(doc)}\n      {pages}"
            if doc["status"] == "rejected":
                text = f"{doc['title']}\n      Non affichable : {doc['reason']}"
            row = QListWidgetItem(text)
            row.setData(Qt.ItemDataRole.UserRole, doc)
            self.list.addItem(row)

    def open(self, doc: Document, page: int = 1) -> None:
        library = self.model.library
        if self.viewer is None or library is None or doc.get("hash") is None:
            return
        if doc["status"] == "rejected":
            return
        path = library.viewable_path(doc["hash"])
        self._fetching = None
        self.current_doc = doc
        if getattr(self.viewer, "current_path", None) == path:
            self.viewer.set_page(page)
            return
        fetch = getattr(library, "fetch", None)  # a seat on the network: bytes by hash
        if fetch is not None and not path.is_file():
            self._fetching = (doc["hash"], page)
            self.viewer.close_document()
            self.viewer.current_path = None
            self.viewer.title_label.setText(document_title(doc))
            self.viewer.canvas.clear("Chargement du document depuis la table…")
            fetch(doc["hash"], lambda error, d=doc, p=page: self._fetched(d, p, error))
            return
        self.viewer.open_document(path, document_title(doc), page)
        self.viewer.current_path = path

    def current_hash(self) -> str | None:
        """The content hash of the document in the viewer (its notes are keyed by it)."""
        doc = self.current_doc
        return None if doc is None else doc.get("hash")

    def _fetched(self, doc: Document, page: int, error: str | None) -> None:
        """A document asked of the table has arrived (or could not): show it if
        it is still the one wanted."""
        if self._fetching is None or self._fetching[0] != doc["hash"] or self.viewer is None:
            return
        page = self._fetching[1]
        self._fetching = None
        if error is not None:
            self.viewer.canvas.clear(error, failed=True)
            return
        self.open(doc, page)

    def _on_list_item_clicked(self, row: QListWidgetItem) -> None:
        doc = row.data(Qt.ItemDataRole.UserRole)
        if isinstance(doc, dict):
            self.user_navigated()
            self.open(doc)


class ArchivePanel(QTreeWidget):
    """The archive by year and date, the commissions and the other documents.

    Signals:
        document_chosen(object): a document (its feed payload) was tapped.
    """

    document_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setIndentation(36)
        self.itemClicked.connect(self._on_self_item_clicked)
        self._shown: list[tuple[Any, ...]] = []  # what the tree shows, compared on a change
        self._documents: list[Document] = []  # the leaves' documents, by row

    def show_documents(self, documents: Sequence[Document]) -> None:
        """List the archive's, the commissions' and the other documents (a
        session's own are on its points); rebuilt only when what it shows
        changes, so a councillor's opened years stay open."""
        shown = [d for d in documents if d["category"] in ("archive", "commission", "autre")]
        key = [
            (
                d.get("document_id"),
                d["path"],
                document_title(d),
                d["category"],
                d["archive_year"],
                d["archive_date"],
                d.get("commission"),
            )
            for d in shown
        ]
        if key == self._shown:
            return
        self._shown = key
        self.clear()
        self._documents = []
        groups: dict[str, QTreeWidgetItem] = {}

        def group(key: str, text: str, parent: QTreeWidgetItem | None) -> QTreeWidgetItem:
            if key not in groups:
                node = QTreeWidgetItem([text])
                if parent is None:
                    self.addTopLevelItem(node)
                else:
                    parent.addChild(node)
                groups[key] = node
            return groups[key]

        ordered = sorted(
            shown,
            key=lambda d: (
                d["category"] != "archive",
                -(d["archive_year"] or 0),
                d["archive_date"] or "",
                d["path"],
            ),
        )
        for doc in ordered:
            if doc["category"] == "archive":
                year = str(doc["archive_year"] or "sans année")
                parent = group(f"a{year}", f"Archives {year}", None)
                if doc["archive_date"]:
                    day = doc["archive_date"]
                    parent = group(f"a{day}", f"Séance du {fr_date(day)}", parent)
            elif doc["category"] == "commission":
                parent = group(f"c{doc['commission']}", f"Commission {doc['commission']}", None)
            elif doc["category"] == "autre":
                parent = group("autre", "Autres documents", None)
            else:
                continue
            leaf = QTreeWidgetItem([document_title(doc)])
            # The row of the document, not the document: a dict would be
            # converted to a QVariantMap and back at every access.
            leaf.setData(0, Qt.ItemDataRole.UserRole, len(self._documents))
            self._documents.append(doc)
            parent.addChild(leaf)
        first = self.topLevelItem(0)
        if first is not None:
            first.setExpanded(True)

    def _on_self_item_clicked(self, node: QTreeWidgetItem, _column: int) -> None:
        row = node.data(0, Qt.ItemDataRole.UserRole)
        if isinstance(row, int):
            self.document_chosen.emit(self._documents[row])
        else:
            node.setExpanded(not node.isExpanded())


class ProposeDialog(QDialog):
    """A councillor proposes a point; it waits for the mayor.

    "Proposer" sends it; a refusal is shown here, in words, and the dialog
    stays open with what was typed.
    """

    def __init__(
        self,
        members: list[tuple[str, str]],
        submit: Proposer,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self._waiting = False
        self.setWindowTitle("Proposer un point")
        layout = QVBoxLayout(self)
        layout.addWidget(label("Proposer un point à l'ordre du jour", "sectionTitle"))
        layout.addWidget(label("Qui propose ?"))
        self.member = QComboBox()
        for member_id, name in members:
            self.member.addItem(name, member_id)
        # Nobody by default where two councillors share the seat: the first of
        # the list is not the one who proposes more often than the other.
        self.member.setPlaceholderText("Choisissez qui propose")
        self.member.setCurrentIndex(0 if len(members) == 1 else -1)
        layout.addWidget(self.member)
        layout.addWidget(label("Objet du point"))
        self.title = QLineEdit()
        self.title.setPlaceholderText("Par exemple : éclairage du terrain de sport")
        self.title.setMinimumWidth(760)
        layout.addWidget(self.title)
        self.refusal = label("", "refusal", wrap=True)
        self.refusal.hide()
        layout.addWidget(self.refusal)
        self.buttons = dialog_buttons(self, "Proposer")
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        title = self.title.text().strip()
        if not title:
            self._answered("Écrivez l'objet du point que vous proposez")
            return
        if self.member.currentData() is None:
            self._answered("Choisissez d'abord qui propose ce point, dans la liste")
            return
        if self._waiting:
            return
        self._waiting = True
        self.buttons.setEnabled(False)
        self._submit(str(self.member.currentData()), title, self._answered)

    def _answered(self, refusal: str | None) -> None:
        if not shiboken6.isValid(self):
            return  # closed while a seat on the network waited for the table's answer
        self._waiting = False
        self.buttons.setEnabled(True)
        if refusal is None:
            super().accept()
        else:
            self.refusal.setText(refusal)
            self.refusal.show()


class SeatScreen(QWidget):
    """One seat screen, shared by the councillors sitting there.

    Attributes:
        seat: the seat's configuration (name, display, members).
        model: the live session.
        following: whether the seat shows what the mayor projects.
    """

    def __init__(
        self,
        seat: Seat,
        model: SessionModel,
        commune: str,
        viewer_factory: ViewerFactory | None = None,
        parent: QWidget | None = None,
        proposer: Proposer | None = None,
        notes: NotesBackend | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.seat = seat
        self.model = model
        self._proposer: Proposer = proposer or self._propose_to_engine
        self.following = True
        self._shown_item: str | None = None
        #: redrawn in a pass of the event loop of its own (``screens.pacing``), a
        #: burst of events redrawn once: the table's six seats, told of each event
        #: together (``TableViews``), would otherwise hold the GUI thread for all six
        self.paced = False
        #: the point taken up or voted: shown at the next redraw, if following
        self._to_deliberation = False
        #: what the document lists show (``_list_documents`` redraws them on a change only)
        self._archive_version = -1
        self._listed: tuple[object, ...] = ()
        self.header = HeaderBar(commune, seat.name)
        self.banner = MessageBanner()

        self.agenda = AgendaList()
        self.agenda.register = lambda: model.engine.state.last_number
        self.agenda.item_chosen.connect(self._on_agenda_item_chosen)
        self.deliberation = DeliberationPanel()
        self.documents = DocumentsPanel(model, viewer_factory)
        self.documents.user_navigated = self._stop_following
        #: the members' private notes ("Annoter"), when the table keeps them
        self.notes: PrivateNotesControls | None = None
        viewer = self.documents.viewer
        if notes is not None and hasattr(viewer, "install_note_tools"):
            self.notes = PrivateNotesControls(
                notes, viewer, self.note_members, self.documents.current_hash, self.banner, self
            )
            self.documents.side.addWidget(self.notes.panel)
        self.search = _SearchPanel(model, self._open_search_hit)
        self.archive = ArchivePanel()
        self.archive.document_chosen.connect(self._on_archive_document_chosen)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.deliberation, "Délibération")
        self.tabs.addTab(self.documents, "Documents")
        self.tabs.addTab(self.archive, "Archives")
        self.tabs.addTab(self.search, "Recherche")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(label("Ordre du jour", "sectionTitle"))
        left_layout.addWidget(self.agenda, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.tabs)
        splitter.setSizes([500, 1420])

        self.follow_button = QPushButton("Suivre le maire")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.toggled.connect(self._on_follow_button_toggled)
        self.propose_button = QPushButton("Proposer un point")
        self.propose_button.clicked.connect(self._on_propose_button_clicked)
        self.projection_label = label("", "muted")
        bottom = QHBoxLayout()
        bottom.addWidget(self.follow_button)
        bottom.addWidget(self.projection_label, 1)
        bottom.addWidget(self.propose_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 12)
        layout.addWidget(self.header)
        body = QVBoxLayout()
        body.setContentsMargins(20, 12, 20, 0)
        body.addWidget(self.banner)
        body.addWidget(splitter, 1)
        body.addLayout(bottom)
        layout.addLayout(body, 1)

        model.session_changed.connect(self._on_model_session_changed)
        model.event_recorded.connect(self._on_model_event_recorded)
        model.documents_changed.connect(self._on_model_documents_changed)
        self.refresh()

    # --- drawing -----------------------------------------------------------

    def refresh(self) -> None:
        session = self.model.session
        self.header.show_session(session)

        self.agenda.show_session(session)
        current = session.item(session.current_item) if session and session.current_item else None
        if current is not None and self.following:
            self._shown_item = current.id
        shown = session.item(self._shown_item) if session and self._shown_item else current
        self.deliberation.show_item(session, shown)
        self._list_documents(shown.id if shown else None)
        projection = session.projection if session else None
        if projection:
            self.projection_label.setText(
                f"Le maire projette : {projection['title']}, page {projection['page']}"
            )
        else:
            self.projection_label.setText("")

    def _list_documents(self, item_id: str | None) -> None:
        session = self.model.session
        catalog = self.model.documents
        if self.model.library is None or session is None:
            return
        # Redrawn on every event of the session: the lists only when they change.
        everything = catalog.documents()
        if self._archive_version != catalog.version:
            self._archive_version = catalog.version
            self.archive.show_documents(everything)
        position = None
        attached: set[int] = set()  # a proposal's file (Séances/<date>/Propositions/)
        if item_id is not None:
            position = next((n for n, i in enumerate(session.agenda(), 1) if i.id == item_id), None)
            item = session.item(item_id)
            attached = {int(d["id"]) for d in item.documents} if item is not None else set()
        docs = [
            d
            for d in everything
            if d["session_date"] == session.date
            and (position is None or d["item_position"] == position or d["document_id"] in attached)
        ]
        heading = f"Documents du point {position}" if position else "Documents de la séance"
        listed = (heading, catalog.version, tuple(d["document_id"] for d in docs))
        if listed != self._listed:
            self._listed = listed
            self.documents.list_documents(heading, docs)

    def note_members(self) -> list[tuple[str, str]]:
        """Who may open their notes here: the seat's members (all the council's
        when the seat names none), with their names."""
        session = self.model.session
        config = getattr(self.model.engine, "config", None)
        ids = self.seat.members or (
            tuple(session.members)
            if session is not None
            else tuple(m.id for m in getattr(config, "members", ()))
        )

        def name(member_id: str) -> str:
            if session is not None and member_id in session.members:
                return session.name(member_id)
            with contextlib.suppress(KeyError, AttributeError):
                return str(config.member(member_id).name)  # type: ignore[union-attr]
            return member_id

        return [(m, name(m)) for m in ids]

    # --- following the mayor ---------------------------------------------

    def _stop_following(self) -> None:
        if self.following:
            self.follow_button.setChecked(False)

    def _on_follow_button_toggled(self, checked: bool) -> None:
        self.following = checked
        if checked:
            self._shown_item = None
            self.refresh()
            self._follow_projection()

    def _follow_projection(self) -> None:
        session = self.model.session
        library = self.model.library
        if not self.following or session is None or library is None:
            return
        projection = session.projection
        if not projection:
            return
        doc = self.model.documents.document(int(projection["document"]))
        if doc is None:
            return
        self.tabs.setCurrentWidget(self.documents)
        self.documents.open(doc, int(projection["page"]))

    def _on_model_event_recorded(self, event: Event) -> None:
        if event.type == EventType.DOCUMENT_PROJECTED:
            # The later of the two wins: a point taken up, then its document
            # projected before the redraw (a quick mayor, a seat catching up)
            # shows the document, not the deliberation the redraw would open.
            self._to_deliberation = False
            self._follow_projection()
        elif self.following and event.type in (
            EventType.ITEM_TAKEN_UP,
            EventType.VOTE_RECORDED,
            EventType.NOMINATION_ROUND_RECORDED,
        ):
            self._to_deliberation = True  # with the redraw the session's change brings

    def _on_model_session_changed(self) -> None:
        if self.paced:
            pacer().post(self, "refresh", self._redraw)
        else:
            self._redraw()

    def _redraw(self) -> None:
        self.refresh()
        if self._to_deliberation:
            self._to_deliberation = False
            if self.following:
                self.tabs.setCurrentWidget(self.deliberation)

    def _on_tabs_current_changed(self, _index: int) -> None:
        # Another tab (the vote followed, a point touched): a page read in
        # "Plein écran" gives the screen back.
        viewer = self.documents.viewer
        reading = getattr(viewer, "reading_mode", lambda: False)()
        if viewer is not None and reading and self.tabs.currentWidget() is not self.documents:
            viewer.set_reading_mode(False)

    def _on_model_documents_changed(self, _event: Event) -> None:
        # The seven views are told at once: each redraws its lists in a pass of
        # the event loop of its own (a new document is no reason to drop a frame).
        pacer().post(self, "documents", lambda: self._list_documents(self._shown_item))

    # --- actions -----------------------------------------------------------

    def _on_agenda_item_chosen(self, item_id: str) -> None:
        self._stop_following()
        self._shown_item = item_id
        self.refresh()

    def _on_propose_button_clicked(self) -> None:
        session = self.model.session
        if session is None:
            return
        members = self.seat.members or tuple(session.members)
        dialog = ProposeDialog([(m, session.name(m)) for m in members], self._send_proposal, self)
        # Modal to this seat only (``open``, not ``exec``: an application-modal
        # dialog would freeze the mayor's screen and the other seats).
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def propose(self, member: str, title: str, reply: Reply | None = None) -> None:
        """Propose a point for ``member``: the outcome shows in this seat's banner
        (and goes to ``reply``, when given)."""

        def answered(refusal: str | None) -> None:
            if refusal is not None:
                self.banner.show_refusal(refusal)
            if reply is not None:
                reply(refusal)

        self._send_proposal(member, title, answered)

    def _send_proposal(self, member: str, title: str, reply: Reply) -> None:
        """The proposal to the table; ``reply`` gets None once recorded, else the
        refusal in words. A councillor's refused proposal is told at this seat,
        not on the mayor's screen. The accepted event reaches every view
        through the model as usual."""

        def answered(refusal: str | None) -> None:
            if refusal is None:
                self.banner.show_notice(
                    f"Point proposé : « {title.strip()} ». Il attend l'accord du maire."
                )
            reply(refusal)

        self._proposer(member, title, answered)

    def _propose_to_engine(self, member: str, title: str, reply: Reply) -> None:
        command: dict[str, Any] = {"cmd": "propose_item", "member": member, "title": title}
        reply(self.model.submit(command, author="conseiller", announce=False))

    def _on_archive_document_chosen(self, doc: Document) -> None:
        self._stop_following()
        self.tabs.setCurrentWidget(self.documents)
        self._listed = ()  # the point's list comes back with the next choice
        self.documents.list_documents(doc.get("label", "Archives"), [doc])
        self.documents.open(doc)

    def _open_search_hit(self, hit: Any) -> None:
        library = self.model.library
        if hit.kind == "document" and library is not None and hit.document_id is not None:
            doc = self.model.documents.document(hit.document_id)
            if doc is not None:
                self._stop_following()
                self.tabs.setCurrentWidget(self.documents)
                self.documents.open(doc, hit.page or 1)


class _SearchPanel(QWidget):
    """Search every document and every deliberation text.

    The table's index is read on a worker thread (a seat on the network asks
    the master): the answer comes back by ``_answered``, on the GUI thread."""

    _answered = Signal(str, object, object)  # query, hits, error (from the worker)

    def __init__(
        self, model: SessionModel, open_hit: Callable[[Any], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.model = model
        self._open_hit = open_hit
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setPlaceholderText("Rechercher dans les documents et les délibérations")
        self.query.returnPressed.connect(self.run)
        button = QPushButton("Rechercher")
        button.clicked.connect(self.run)
        row.addWidget(self.query, 1)
        row.addWidget(button)
        layout.addLayout(row)
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.itemClicked.connect(self._on_results_item_clicked)
        layout.addWidget(self.results, 1)
        self._answered.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def run(self) -> None:
        self.results.clear()
        library = self.model.library
        if library is None:
            return
        query = self.query.text()
        self.results.addItem("Recherche en cours…")
        remote = getattr(library, "search", None)  # a seat on the network asks the table
        if remote is not None:
            remote(query, 30, lambda hits, error: self._show(query, hits, error))
            return
        threading.Thread(
            target=self._search, args=(library.db, query), name="seat-search", daemon=True
        ).start()

    def _search(self, db: Any, query: str) -> None:
        """On a worker thread: the table's index."""
        from sync.search import search

        try:
            hits, error = search(db, query, limit=30), None
        except Exception as failure:  # the index is the table's business, not the reader's
            log.exception("Recherche en échec")
            hits, error = [], f"La recherche a échoué : {failure}"
        with contextlib.suppress(RuntimeError):  # the screen closed meanwhile
            self._answered.emit(query, hits, error)

    def _show(self, query: str, hits: list[Any], error: str | None) -> None:
        if query != self.query.text():
            return  # an answer to an older query
        self.results.clear()
        if error is not None:
            self.results.addItem(error)
            return
        if not hits:
            self.results.addItem(f"Aucun résultat pour « {query} »")
        for hit in hits:
            where = (
                f"page {hit.page}"
                if hit.kind == "document"
                else f"délibération n° {hit.number or '—'}"
            )
            row = QListWidgetItem(f"{hit.title} — {where}\n{hit.snippet_text('«', '»')}")
            row.setData(Qt.ItemDataRole.UserRole, hit)
            self.results.addItem(row)

    def _on_results_item_clicked(self, row: QListWidgetItem) -> None:
        hit = row.data(Qt.ItemDataRole.UserRole)
        if hit is not None:
            self._open_hit(hit)
