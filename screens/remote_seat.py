"""``table-app seat``: a seat screen on its own computer or tablet, fed over the LAN.

The device finds the master with zeroconf, pairs once with the code the
mayor's screen shows, then follows the session through its ``SeatLink``: the
same ``SeatScreen`` as on the table's own computer, drawn from a
``RemoteTable`` instead of the engine. asyncio runs inside the Qt loop
(qasync), so the link, the views and the document fetches share one thread
and nothing needs a lock.

When the network goes, a strip across the top says so, the last state stays
on screen, and the link catches up by itself when the master answers again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from screens.private_notes import NotesReply
from screens.seat_view import Reply, SeatScreen, ViewerFactory
from screens.session_model import SessionModel
from screens.widgets import MessageBanner, label
from sync.document_catalog import DocumentInfo
from sync.net.client import LinkError, Pin, SeatLink, read_pin
from sync.net.discovery import FoundTable, find_tables
from sync.net.identity import Identity, load_or_create_identity, short_fingerprint
from sync.net.remote import RemoteTable
from sync.search import Hit
from table_app.atomic_files import atomic_write_bytes
from table_app.config import Seat
from table_app.council.events import EventType
from table_app.journal import Event
from table_app.notes import Note
from table_app.report import session_json

log = logging.getLogger("screens.seat")

#: Seconds between two looks for tables on the LAN while the seat is not paired.
BROWSE_EVERY_S = 4.0
CONNECTED = "Connecté à la table"
#: The status of a device with no pin: it asks nothing of any table until paired.
NOT_PAIRED = "Ce siège n'est pas appairé : tapez le code affiché sur l'écran du maire"


def default_seat_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "table-du-conseil" / "siege"


class _Tasks:
    """Keeps the asyncio tasks started from Qt slots alive until they end."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Future[Any]] = set()

    def start(self, coroutine: Any) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


class RemoteLibrary:
    """The documents as a seat on the network reads them: described by the
    feed, their bytes fetched once by content hash, searched by the master."""

    def __init__(
        self,
        table: RemoteTable,
        link: SeatLink,
        tasks: _Tasks,
        fetched: Callable[[], None] = lambda: None,
    ) -> None:
        self.table = table
        self.link = link
        self.feed = table.feed
        self._tasks = tasks
        self._fetched = fetched  # told once a document's bytes are in the cache

    def documents(self, include_removed: bool = False) -> list[DocumentInfo]:
        return self.table.documents(include_removed)

    def document(self, document_id: int) -> DocumentInfo | None:
        return self.table.document(document_id)

    def viewable_path(self, content_hash: str) -> Path:
        return self.table.viewable_path(content_hash)

    def fetch(self, content_hash: str, done: Callable[[str | None], None]) -> None:
        """Bring the document's bytes to this seat; ``done(None)`` once they are
        here, else ``done`` with why not, in French."""

        async def fetch() -> None:
            try:
                await self.link.fetch(content_hash)
            except LinkError as error:
                done(f"{error}. Touchez le document pour réessayer.")
                return
            self._fetched()
            done(None)

        self._tasks.start(fetch())

    def search(self, query: str, limit: int, done: Callable[[list[Hit], str | None], None]) -> None:
        """Ask the master's index; ``done(hits, None)`` or ``done([], why)``."""

        async def search() -> None:
            try:
                raw = await self.link.search(query, limit)
            except LinkError as error:
                done([], f"Recherche impossible : {error}")
                return
            done([_hit(h) for h in raw], None)

        self._tasks.start(search())


class RemoteNotes:
    """A member's private notes as a seat on the network asks for them: each
    request, with the member's code, over the link; the table checks the code
    and answers (``screens.private_notes.NotesBackend``)."""

    def __init__(self, link: SeatLink, tasks: _Tasks) -> None:
        self.link = link
        self._tasks = tasks

    def request(
        self,
        kind: str,
        member: str,
        pin: str,
        content_hash: str,
        fields: dict[str, Any],
        reply: NotesReply,
    ) -> None:
        sent = {k: v.to_json() if isinstance(v, Note) else v for k, v in fields.items()}

        async def ask() -> None:
            try:
                answer = await self.link.notes(kind, member, pin, content_hash, **sent)
            except LinkError as error:
                reply(None, str(error))
                return
            reply(answer, None)

        self._tasks.start(ask())


def _hit(raw: dict[str, Any]) -> Hit:
    from sync.search import MARK_END, MARK_START

    snippet = str(raw.get("snippet", "")).replace("[", MARK_START).replace("]", MARK_END)
    return Hit(
        kind=str(raw["kind"]),
        title=str(raw["title"]),
        snippet=snippet,
        rank=float(raw.get("rank", 0.0)),
        document_id=raw.get("document_id"),
        path=raw.get("path"),
        page=raw.get("page"),
        session_id=raw.get("session_id"),
        item_id=raw.get("item_id"),
        number=raw.get("number"),
    )


class RemoteSessionModel(SessionModel):
    """``SessionModel`` over a ``RemoteTable``: the session the master shows
    (the latest convened), redrawn once per batch of the feed."""

    def __init__(self, table: RemoteTable, library: RemoteLibrary) -> None:
        super().__init__(table)
        self.library = library
        self.table = table
        self.documents = table.catalog  # kept from the feed, on the GUI thread (qasync)
        #: a projection the screen could not follow yet: told again once it can
        self._missed_projection: Event | None = None
        table.subscribe_batches(self._on_batch)

    def _on_engine_event(self, event: Event) -> None:
        if event.session_id == self.session_id:
            if event.type in (EventType.DOCUMENT_PROJECTED, EventType.PROJECTION_STOPPED):
                self._missed_projection = None
                if event.type == EventType.DOCUMENT_PROJECTED and not self._known(event):
                    self._missed_projection = event  # its document is not described yet
            self.event_recorded.emit(event)

    def _on_batch(self, stream: str, events: list[Event], reset: bool) -> None:
        if stream == "documents":
            if events or reset:
                self.documents_changed.emit(events[-1] if events else None)
            self._tell_missed_projection()
            return
        latest = self._latest_session()
        changed = reset or any(e.session_id == self.session_id for e in events)
        if latest != self.session_id and (
            reset
            or self.session_id is None
            or any(e.type == EventType.SESSION_CONVENED for e in events)
        ):
            self.session_id = latest
            changed = True
            # This batch's events were applied before the session was chosen, so
            # none was told: a seat started (or joining) while the mayor projects
            # a document must still open it.
            projected = [
                e
                for e in events
                if e.session_id == latest and e.type == EventType.DOCUMENT_PROJECTED
            ]
            self._missed_projection = projected[-1] if projected else None
        if changed:
            self.session_changed.emit()
        self._tell_missed_projection()

    def _known(self, event: Event) -> bool:
        return self.table.document(int(event.payload["document"])) is not None

    def _tell_missed_projection(self) -> None:
        """Tell the screen of the projection under way it missed (a catch-up, or
        the journal's events arriving before the documents' ones), once its
        document is described."""
        event = self._missed_projection
        if event is None or not self._known(event):
            return
        self._missed_projection = None
        session = self.session
        projection = session.projection if session is not None else None
        if (
            event.session_id == self.session_id
            and projection is not None
            and projection.get("document") == event.payload.get("document")
            and projection.get("page") == event.payload.get("page")
        ):
            self.event_recorded.emit(event)


class ConnectionStrip(QLabel):
    """Across the top of a network seat, in red: shown while the table cannot be
    reached (the screen below keeps the last state it had)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offline")
        self.setWordWrap(True)
        self.setMinimumHeight(72)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.hide()

    def show_status(self, message: str) -> None:
        if message == CONNECTED:
            self.hide()
            return
        self.setText(message)
        self.show()


class PairingPage(QWidget):
    """Pair this device: choose the table found on the network, type its code.

    Signals:
        pair_requested(str, int, str, str): host, port, the code typed and the
            table's fingerprint shown to the person ("" if none could be read).
        table_chosen(object): a table (``FoundTable``) is selected: its
            fingerprint is wanted (``show_fingerprint``).
    """

    pair_requested = Signal(str, int, str, str)
    table_chosen = Signal(object)

    def __init__(self, device_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._digits = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 40, 60, 40)
        layout.setSpacing(18)
        layout.addWidget(label("Appairer ce siège à la table du conseil", "itemTitle"))
        layout.addWidget(
            label(
                f"Cet appareil (« {device_name} ») n'est pas encore appairé. Sur l'écran du "
                "maire, l'administrateur ouvre « Sièges en réseau », puis « Appairer un "
                "siège » : un code de six chiffres s'affiche. Choisissez la table, puis "
                "tapez ce code.",
                wrap=True,
            )
        )
        self.banner = MessageBanner()
        layout.addWidget(self.banner)
        row = QHBoxLayout()
        row.setSpacing(40)
        left = QVBoxLayout()
        left.addWidget(label("Tables trouvées sur le réseau", "sectionTitle"))
        self.tables = QListWidget()
        self.tables.setWordWrap(True)
        left.addWidget(self.tables, 1)
        self.searching = label("Recherche des tables sur le réseau…", "muted", wrap=True)
        left.addWidget(self.searching)
        left.addWidget(label("Empreinte de la table choisie :"))
        self.fingerprint = label("—", "fingerprint")
        left.addWidget(self.fingerprint)
        left.addWidget(
            label(
                "Vérifiez qu'elle est la même que sur l'écran du maire avant de taper le code.",
                "muted",
                wrap=True,
            )
        )
        self.tables.currentItemChanged.connect(self._on_tables_current_item_changed)
        self._fingerprints: dict[tuple[str, int], str] = {}
        row.addLayout(left, 1)
        right = QVBoxLayout()
        right.addWidget(label("Code affiché sur l'écran du maire", "sectionTitle"))
        self.display = label("", "pinDisplay")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumHeight(80)
        right.addWidget(self.display)
        grid = QGridLayout()
        grid.setSpacing(14)
        self.keys: dict[str, QPushButton] = {}
        for index, digit in enumerate("1234567890"):
            position = (index // 3, index % 3) if digit != "0" else (3, 1)
            grid.addWidget(self._key(digit, lambda _c=False, d=digit: self._type(d)), *position)
        grid.addWidget(self._key("Effacer", self._erase), 3, 0)
        self.pair_button = self._key("Appairer", self._on_pair_button_clicked)
        self.pair_button.setObjectName("primary")
        grid.addWidget(self.pair_button, 3, 2)
        right.addLayout(grid)
        right.addStretch(1)
        row.addLayout(right, 1)
        layout.addLayout(row, 1)
        self._found: list[FoundTable] = []
        self.browsing = False  # the list is refreshed from the network

    def _key(self, text: str, slot: Callable[..., None]) -> QPushButton:
        button = QPushButton(text)
        button.setMinimumSize(150, 84)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        self.keys[text] = button
        return button

    def _type(self, digit: str) -> None:
        if len(self._digits) < 6:
            self._digits += digit
            self.display.setText(" ".join(self._digits))

    def _erase(self) -> None:
        self._digits = ""
        self.display.setText("")

    def type_code(self, code: str) -> None:
        """Type ``code`` as a person would on the keypad."""
        self._erase()
        for digit in code:
            self.keys[digit].click()

    def show_tables(self, found: list[FoundTable]) -> None:
        chosen = self.chosen()
        self._found = found
        self.tables.clear()
        for table in found:
            row = QListWidgetItem(f"{table.name}\n      {table.host}, port {table.port}")
            row.setData(Qt.ItemDataRole.UserRole, table)
            self.tables.addItem(row)
            if chosen is not None and table == chosen:
                self.tables.setCurrentItem(row)
        if self.tables.currentRow() < 0 and found:
            self.tables.setCurrentRow(0)
        self.searching.setText(
            "Aucune table ne répond sur le réseau : vérifiez que la table est allumée et "
            "que cet appareil est sur le réseau de la mairie. Nouvelle recherche…"
            if not found
            else "La liste se met à jour toute seule."
            if self.browsing
            else ""
        )

    def show_fingerprint(self, table: FoundTable, fingerprint: str | None, error: str = "") -> None:
        """The fingerprint read from ``table`` (or why it could not be read)."""
        if fingerprint is not None:
            self._fingerprints[(table.host, table.port)] = fingerprint
        if self.chosen() == table:
            self.fingerprint.setText(
                short_fingerprint(fingerprint) if fingerprint is not None else error
            )

    def _on_tables_current_item_changed(self, *_rows: object) -> None:
        table = self.chosen()
        if table is None:
            self.fingerprint.setText("—")
            return
        known = self._fingerprints.get((table.host, table.port))
        if known is not None:
            self.fingerprint.setText(short_fingerprint(known))
        else:
            self.fingerprint.setText("lecture…")
            self.table_chosen.emit(table)

    def chosen(self) -> FoundTable | None:
        row = self.tables.currentItem()
        value = row.data(Qt.ItemDataRole.UserRole) if row is not None else None
        return value if isinstance(value, FoundTable) else None

    def refuse(self, message: str) -> None:
        self.banner.show_refusal(message)
        self._erase()
        self.pair_button.setEnabled(True)

    def _on_pair_button_clicked(self) -> None:
        table = self.chosen()
        if table is None:
            self.banner.show_refusal("Choisissez d'abord la table dans la liste")
            return
        if len(self._digits) != 6:
            self.banner.show_refusal("Le code a six chiffres : tapez-le en entier")
            return
        self.pair_button.setEnabled(False)
        self.banner.show_notice(f"Appairage avec « {table.name} »…")
        self.pair_requested.emit(
            table.host,
            table.port,
            self._digits,
            self._fingerprints.get((table.host, table.port), ""),
        )


class SeatDevice(QWidget):
    """The whole screen of a seat device: pairing first, then the seat.

    Attributes:
        seat: the seat screen (built once the device is paired).
        strip: the network state, shown while the table cannot be reached.
    """

    painted = Signal(int)  # the journal's last event on screen, once painted
    #: what ``summary`` reports may have changed: the network state, a document
    #: fetched, opened or turned to another page (the feed has its own batches)
    changed = Signal()

    def __init__(
        self,
        identity: Identity,
        folder: Path,
        viewer_factory: ViewerFactory | None,
        members: tuple[str, ...] = (),
        master: tuple[str, int] | None = None,
        browse: bool = True,
    ) -> None:
        super().__init__()
        # Its children (the connection strip, then the pairing page or the
        # seat's screen) cover it whole, each with a background of its own:
        # the window's own background under theirs (the palette's, then the
        # style sheet's) was two fills more of every region a seat repaints,
        # ~0.3 ms of the 1 ms it takes for its deliberation and ordre du jour.
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.setWindowTitle(f"Table du conseil — {identity.name}")
        self.identity = identity
        self.folder = folder
        self.tasks = _Tasks()
        self.table = RemoteTable(folder / "documents")
        self.link = SeatLink(identity, folder, self.table.on_events, self._on_status)
        self.library = RemoteLibrary(self.table, self.link, self.tasks, self.changed.emit)
        self.model = RemoteSessionModel(self.table, self.library)
        self._viewer_factory = viewer_factory
        self._members = members
        self._master = master
        self._browse = browse
        self._follower: asyncio.Future[Any] | None = None
        self._browser: asyncio.Future[Any] | None = None
        self._painted_seq = 0
        self.seat: SeatScreen | None = None
        self.status = ""
        self.strip = ConnectionStrip()
        self.pairing = PairingPage(identity.name)
        self.pairing.pair_requested.connect(self._on_pairing_pair_requested)
        self.pairing.table_chosen.connect(self._on_pairing_table_chosen)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.pairing)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.strip)
        layout.addLayout(self._stack, 1)
        self.table.subscribe_batches(self._on_batch)

    # --- life ----------------------------------------------------------------

    def start(self) -> None:
        """Follow the table if paired, else show the pairing page (in the running loop)."""
        pin = read_pin(self.folder)
        if pin is None:
            self._show_pairing()
        else:
            self._follow(pin)

    async def stop(self) -> None:
        for task in (self._browser, self._follower):
            if task is not None:
                task.cancel()
        await self.link.stop()

    async def pair(self, host: str, port: int, code: str, expect: str | None = None) -> str | None:
        """Pair with the master; None once paired, else why not (French).
        ``expect``: the table's fingerprint the person compared, if shown."""
        try:
            pin = await self.link.pair(host, port, code, expect)
        except LinkError as error:
            return str(error)
        except (OSError, TimeoutError) as error:
            return f"La table {host} ne répond pas ({error.__class__.__name__})"
        if self._browser is not None:
            self._browser.cancel()
        self._follow(pin)
        return None

    def _show_pairing(self) -> None:
        self.status = NOT_PAIRED
        self._stack.setCurrentWidget(self.pairing)
        self.pairing.browsing = self._browse
        if self._master is not None:
            host, port = self._master
            self.pairing.show_tables([FoundTable("Table indiquée au démarrage", host, port)])
        if self._browse and self._browser is None:
            self._browser = self.tasks.start(self._browse_forever())

    async def _browse_forever(self) -> None:
        while True:
            found = await find_tables(within_s=BROWSE_EVERY_S)
            if self._master is not None:
                host, port = self._master
                found.insert(0, FoundTable("Table indiquée au démarrage", host, port))
            self.pairing.show_tables(found)
            await asyncio.sleep(0.5)

    def _follow(self, pin: Pin) -> None:
        if self.seat is None:
            seat = Seat(self.identity.name, "", self._members)
            self.seat = SeatScreen(
                seat,
                self.model,
                pin.name or "la commune",
                self._viewer_factory,
                proposer=self._propose,
                notes=RemoteNotes(self.link, self.tasks),
            )
            self._stack.addWidget(self.seat)
            viewer = self.seat.documents.viewer
            for name in ("document_opened", "document_failed", "page_changed"):
                signal_ = getattr(viewer, name, None)
                if signal_ is not None:
                    signal_.connect(lambda *_a: self.changed.emit())
        self._stack.setCurrentWidget(self.seat)
        self.status = "Connexion à la table…"
        self.strip.show_status(self.status)
        self.changed.emit()
        self.seat.banner.show_notice(
            f"Siège appairé à « {pin.name} » (empreinte {short_fingerprint(pin.server)})"
        )
        host, port = self._master or (None, None)
        self._follower = self.tasks.start(
            self.link.run(host, port, locate=_locate if self._browse else None)
        )

    def _on_pairing_table_chosen(self, table: FoundTable) -> None:
        async def probe() -> None:
            try:
                fingerprint = await self.link.probe(table.host, table.port)
            except (OSError, TimeoutError, LinkError, ConnectionClosed, InvalidHandshake):
                self.pairing.show_fingerprint(table, None, "illisible : la table ne répond pas")
                return
            self.pairing.show_fingerprint(table, fingerprint)

        self.tasks.start(probe())

    def _on_pairing_pair_requested(self, host: str, port: int, code: str, seen: str) -> None:
        async def pair() -> None:
            refusal = await self.pair(host, port, code, seen or None)
            if refusal is not None:
                self.pairing.refuse(refusal)

        self.tasks.start(pair())

    # --- the feed ------------------------------------------------------------

    def _on_status(self, message: str) -> None:
        self.status = message
        self.strip.show_status(message)
        if self.link.final_refusal is not None and self.seat is not None:
            self.seat.banner.show_refusal(message)
        self.changed.emit()

    def _on_batch(self, stream: str, events: list[Event], reset: bool) -> None:
        if stream == "journal" and events:
            self._painted_seq = events[-1].seq
            # One pixel is enough to be sure of the window's next UpdateRequest,
            # which paints what the batch changed; the whole screen cost ~8 ms.
            self.update(0, 0, 1, 1)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.UpdateRequest and self._painted_seq:
            seq, self._painted_seq = self._painted_seq, 0
            self.painted.emit(seq)
        return handled

    def _propose(self, member: str, title: str, reply: Reply) -> None:
        session = self.model.session_id

        async def propose() -> None:
            if session is None:
                reply("Aucune séance n'est convoquée : rien à proposer pour l'instant")
                return
            try:
                reply(await self.link.propose(session, member, title))
            except LinkError as error:
                reply(f"{error} : la proposition n'a pas été envoyée, réessayez")

        self.tasks.start(propose())

    # --- what a supervisor (or a test) reads -----------------------------------

    def summary(self) -> dict[str, Any]:
        """What this seat holds and shows, as JSON."""
        seat = self.seat
        shown: dict[str, Any] = {}
        if seat is not None:
            shown = {
                "agenda": [seat.agenda.item(n).text() for n in range(seat.agenda.count())],
                "session_line": seat.header._session.text(),
                "quorum": seat.header.quorum.text(),
                "projection": seat.projection_label.text(),
                "following": seat.following,
            }
            viewer = seat.documents.viewer
            if viewer is not None:
                shown["document"] = {"title": viewer.title(), "page": viewer.current_page()}
        return {
            "paired": read_pin(self.folder) is not None,
            "status": self.status,
            "connected": self.link.live.is_set(),
            "journal": self.link.last["journal"],
            "documents": self.link.last["documents"],
            "session": self.model.session_id,
            "sessions": {k: session_json(v) for k, v in self.table.state.sessions.items()},
            "cached": sorted(p.name for p in (self.folder / "documents").glob("*") if p.is_file())
            if (self.folder / "documents").is_dir()
            else [],
            "shown": shown,
        }


class _StateWriter(QObject):
    """Writes ``SeatDevice.summary()`` to a file after each change (debounced),
    and reports each painted journal event, and each page the viewer has on
    screen, on standard output as a JSON line."""

    def __init__(self, device: SeatDevice, path: Path | None, report: bool) -> None:
        super().__init__(device)
        self.device = device
        self.path = path
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self.write)
        if path is not None:
            device.table.subscribe_batches(lambda *_a: self._timer.start())
            device.changed.connect(self._timer.start)
            device.strip.installEventFilter(self)
        if report:
            device.painted.connect(self._report)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self._timer.start()
        return False

    def write(self) -> None:
        if self.path is not None:
            data = json.dumps(self.device.summary(), ensure_ascii=False, indent=1)
            atomic_write_bytes(self.path, data.encode("utf-8"))

    @staticmethod
    def _report(seq: int) -> None:
        print(json.dumps({"painted": seq, "at": time.monotonic()}), flush=True)  # noqa: T201

    @staticmethod
    def report_page(page: int) -> None:
        print(json.dumps({"page_displayed": page, "at": time.monotonic()}), flush=True)  # noqa: T201


def run_seat(args: argparse.Namespace) -> int:
    """``table-app seat``: run a seat device until its window is closed."""
    import qasync

    from screens.app import application, windowed_scale

    if args.windowed:
        windowed_scale()
    app = application()
    folder = Path(args.dir) if args.dir else default_seat_dir()
    identity = load_or_create_identity(folder / "identite", args.name or _default_name())
    master = _address(args.master) if args.master else None
    from screens.document_viewer import DocumentViewer
    from screens.render import PageRenderer

    renderer = PageRenderer()

    def viewer(parent: QWidget) -> DocumentViewer:
        made = DocumentViewer(renderer, parent)
        if args.report:
            made.page_displayed.connect(_StateWriter.report_page)
        return made

    device = SeatDevice(
        identity,
        folder,
        viewer,
        members=tuple(args.member or ()),
        master=master,
        browse=not args.no_browse,
    )
    writer = _StateWriter(device, Path(args.state_file) if args.state_file else None, args.report)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            if args.code and read_pin(folder) is None:
                tables = [master] if master is not None else []
                if master is None:
                    found = loop.run_until_complete(find_tables(within_s=10))
                    if not found:
                        print("Aucune table trouvée sur le réseau", file=sys.stderr)  # noqa: T201
                        return 1
                    # Several tables may answer (a demo laptop on the mairie's
                    # LAN): the code pairs with the one whose screen shows it.
                    tables = [(t.host, t.port) for t in found]
                refusals: list[str] = []
                for host, port in tables:
                    refusal = loop.run_until_complete(device.pair(host, port, args.code))
                    if refusal is None:
                        break
                    log.info("Appairage refusé par %s:%d : %s", host, port, refusal)
                    refusals.append(refusal)
                else:
                    print("\n".join(dict.fromkeys(refusals)), file=sys.stderr)  # noqa: T201
                    return 2
            else:
                device.start()
            if args.windowed:
                device.resize(1920, 1080)
                device.show()
            else:
                device.showFullScreen()
            writer.write()
            # SIGTERM (systemd, a test) leaves cleanly; the timer lets Python see it.
            signal.signal(signal.SIGTERM, lambda *_a: app.quit())
            ticker = QTimer()
            ticker.timeout.connect(lambda: None)
            ticker.start(200)
            # Until app.quit() (the window closed, SIGTERM). Not a wait on
            # aboutToQuit: every run_until_complete ends Qt's loop and emits it.
            loop.run_forever()
            loop.run_until_complete(device.stop())
    finally:
        renderer.close()
    return 0


async def _locate() -> list[tuple[str, int]]:
    return [(t.host, t.port) for t in await find_tables(within_s=2.0)]


def _default_name() -> str:
    import socket

    return f"Siège {socket.gethostname()}"


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"Adresse de la table invalide : « {text} » (attendu : HÔTE:PORT)")
    return host, int(port)


__all__ = [
    "ConnectionStrip",
    "PairingPage",
    "RemoteLibrary",
    "RemoteNotes",
    "RemoteSessionModel",
    "SeatDevice",
    "default_seat_dir",
    "run_seat",
]
