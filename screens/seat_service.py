"""The kiosk serves its session to seats on the network, from a thread of its own.

The feed server (``sync.net.server``) and its zeroconf announcement run on an
asyncio loop in a daemon thread of the master process, ``seat-feed``
(``sync.net.feed_thread``). The engine hands each event to the server as it
publishes it (the server is its first subscriber, and ``publish`` is
thread-safe), and the GUI thread never serves a socket.

The issue asked for asyncio inside the Qt loop (qasync), and the feed was
first served that way; the benchmarks showed why it no longer is. On the GUI
thread's loop an event reached the seats' sockets only after the master's
seven views had laid out and painted: 17–30 ms median and 105–160 ms p99 from
the engine's hand-over to a seat's socket, and serving 100 TLS clients stalled
the GUI thread. The server on an asyncio loop of its own thread: 1.2 ms
median, 47 ms p99 (README, "Benchmarks"). The master therefore runs Qt's own
loop (``app.exec()``) without qasync; the seat device (``screens.remote_seat``)
still runs asyncio inside Qt with qasync.

What crosses between the two threads:

- the engine's and the document folder's events: ``FeedServer.publish``;
- a seat's proposal: the engine belongs to the GUI thread, so the server asks
  it there (a queued Qt signal) and awaits the answer (a
  ``concurrent.futures.Future``); neither thread blocks meanwhile;
- a seat's search, a member's notes and the journal's catch-up reads go to the
  server's worker threads (``asyncio.to_thread``), as before;
- what the mayor's screen reads: ``port`` (set once the server listens),
  ``server.connected`` (a copy replaced at each change), the pairing window and
  the paired devices (each with its own lock);
- ``start`` and ``stop``, called from the GUI thread, wait for the server to
  listen or to close, not for the announcement on the LAN.

The server waits on the GUI for a proposal's answer only, and the GUI never
waits on a seat (each seat has its own queue; a slow one is cut off).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import sys
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from sync.net.discovery import Advertiser, lan_addresses
from sync.net.feed_thread import FeedThread
from sync.net.identity import load_or_create_identity
from sync.net.pairing import PairedDevices, PairingWindow
from sync.net.server import EmptyStream, FeedServer
from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.notes import PrivateNotes

log = logging.getLogger("screens.seats")

DEFAULT_PORT = 8443
#: how long a thread holds the interpreter's lock while another waits for it
GIL_TURN_S = 0.001
#: The answer to a seat proposing while the table stops serving.
STOPPING = "la table s'arrête : proposez de nouveau dans un instant"


class _GuiThread(QObject):
    """Runs the jobs handed to ``later`` on the thread it was made in (the GUI's)."""

    _job = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._job.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def later(self, job: Callable[[], None]) -> None:
        """From any thread; returns at once, the job runs on the next pass of Qt's loop."""
        self._job.emit(job)

    @Slot(object)
    def _run(self, job: Callable[[], None]) -> None:
        job()


class SeatService:
    """The feed server of a table, its pairing and its announcement on the LAN.

    Made on the GUI thread (it owns the engine); ``start`` serves the seats
    from the ``seat-feed`` thread (``feed``), ``stop`` ends that thread.
    """

    def __init__(
        self,
        engine: SessionEngine,
        data_dir: Path,
        commune: str,
        library: Any = None,
    ) -> None:
        self.identity = load_or_create_identity(data_dir / "reseau", f"Table de {commune}")
        self.paired = PairedDevices(data_dir / "reseau" / "sieges-appaires.json")
        self.window = PairingWindow()
        documents = library.feed if library is not None else EmptyStream()
        #: the members' private notes, asked for by the seats with each one's code
        self.notes = (
            PrivateNotes(
                library.db,
                engine.config.members,
                engine.config.documents_folder,
                library.viewable_path,
            )
            if library is not None and hasattr(library, "db")
            else None
        )
        self.server = FeedServer(
            self.identity,
            self.paired,
            self.window,
            {"journal": engine.journal, "documents": documents},
            blob_path=library.viewable_path if library is not None else lambda _h: None,
            on_proposal=self._propose,
            on_search=(lambda q, n: _search(library, q, n)) if library is not None else None,
            on_notes=self.notes.answer if self.notes is not None else None,
        )
        self.engine = engine
        self.library = library
        #: the thread and loop the server runs on, while it serves
        self.feed = FeedThread("seat-feed")
        self._gui = _GuiThread()
        self._unsubscribe: list[Callable[[], None]] = []
        self._answers: set[concurrent.futures.Future[str | None]] = set()
        self._answers_lock = threading.Lock()
        self._stopping = False
        self._port: int | None = None
        self._address = ("0.0.0.0", DEFAULT_PORT)  # where it listens, for ``resume``
        # The feed thread's own (read and written there only).
        self._advertiser: Advertiser | None = None
        self._advertising: asyncio.Task[None] | None = None

    @property
    def port(self) -> int | None:
        """The port the seats connect to; None until the server listens (any thread)."""
        return self._port

    # --- the GUI thread's side ---------------------------------------------

    def start(
        self, host: str = "0.0.0.0", port: int = DEFAULT_PORT, advertise: list[str] | None = None
    ) -> int:
        """Serve the seats from the ``seat-feed`` thread; the port, once it listens.

        ``advertise``: this computer's addresses, to announce the table on them
        with zeroconf; that goes on in the background (``advertised`` waits for it).
        """
        with self._answers_lock:
            self._stopping = False
        if not self._unsubscribe:
            # First: the event goes to the seats before the views redraw.
            self._unsubscribe.append(
                self.engine.subscribe(lambda e: self.server.publish("journal", e), first=True)
            )
            if self.library is not None:
                self._unsubscribe.append(
                    self.library.feed.subscribe(lambda e: self.server.publish("documents", e))
                )
        # The feed thread and the GUI thread share the interpreter's lock: a
        # hundred seats served after an event held it in turns of 5 ms (Python's
        # default switch interval), which the views waited for between their
        # passes. Turns of 1 ms: the GUI thread's longest stall with 100 seats
        # went from 25.7 to 16.9 ms in a pair of runs of seats.gui_stall_100_clients
        # (one run each: the figures of this 2-core machine vary from run to run).
        sys.setswitchinterval(GIL_TURN_S)
        self.feed.start()
        try:
            self._port = self.feed.run(self._start(host, port, advertise))
        except BaseException:
            self.stop()
            raise
        self._address = (host, self._port)
        return self._port

    def advertised(self, timeout: float = 10.0) -> bool:
        """Wait for the announcement on the LAN; whether the table is announced."""
        return self.feed.run(self._advertised(), timeout + 1.0) if self.feed.running else False

    def suspend(self) -> None:
        """A network cut (tests, benchmarks): the server closes its sockets and
        stops listening; the thread and the announcement stay."""
        self._port = None
        self.feed.run(self.server.stop())

    def resume(self) -> int:
        """Listen again after ``suspend``, on the same address and port."""
        self._port = self.feed.run(self._listen(*self._address))
        return self._port

    def stop(self) -> None:
        """Stop serving: the announcement withdrawn, the server closed, the
        thread ended. A seat's proposal still waiting is told the table stops."""
        self._port = None
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        with self._answers_lock:
            self._stopping = True
            waiting, self._answers = self._answers, set()
        for answer in waiting:  # on the GUI thread, like the answers they wait for
            if not answer.done():
                answer.set_result(STOPPING)
        if self.feed.running:
            try:
                self.feed.run(self._stop())
            finally:
                self.feed.stop()

    def _propose(self, fields: dict[str, Any]) -> str | Awaitable[str | None]:
        """On the feed thread: the proposal is made on the GUI thread, which owns
        the engine; the server awaits the answer, the GUI does not wait."""
        answer: concurrent.futures.Future[str | None] = concurrent.futures.Future()
        with self._answers_lock:
            if self._stopping:
                return STOPPING
            self._answers.add(answer)

        def on_gui_thread() -> None:
            with self._answers_lock:
                self._answers.discard(answer)
            if answer.done():  # told the table stops meanwhile
                return
            answer.set_result(self._record_proposal(fields))

        self._gui.later(on_gui_thread)
        return asyncio.wrap_future(answer)

    def _record_proposal(self, fields: dict[str, Any]) -> str | None:
        command = {"cmd": "propose_item", "kind": "deliberation", **fields}
        try:
            self.engine.execute(command, author="conseiller")
        except CommandRefused as refusal:
            return refusal.message
        except Exception as error:  # the table's fault: the seat is told, the table goes on
            log.exception("Proposition d'un siège en échec")
            return f"la proposition n'a pas pu être enregistrée : {error}"
        return None

    # --- the feed thread's side --------------------------------------------

    async def _start(self, host: str, port: int, advertise: list[str] | None) -> int:
        listening = await self._listen(host, port)
        if advertise:
            self._advertising = asyncio.ensure_future(self._advertise(listening, advertise))
        return listening

    async def _listen(self, host: str, port: int) -> int:
        await self.server.start(host, port)
        return self.server.port

    async def _advertise(self, port: int, addresses: list[str]) -> None:
        # A table that cannot announce itself still serves the seats given its address.
        try:
            advertiser = Advertiser(self.identity.name, port, addresses)
        except Exception as error:
            log.warning("La table n'a pas pu s'annoncer sur le réseau (zeroconf) : %s", error)
            return
        try:
            await advertiser.start()
        except (Exception, asyncio.CancelledError) as error:  # cancelled: the service stops
            await _quietly(advertiser.stop())
            if isinstance(error, asyncio.CancelledError):
                raise
            log.warning("La table n'a pas pu s'annoncer sur le réseau (zeroconf) : %s", error)
            return
        self._advertiser = advertiser

    async def _advertised(self) -> bool:
        if self._advertising is not None:
            await asyncio.shield(self._advertising)
        return self._advertiser is not None

    async def _stop(self) -> None:
        if self._advertising is not None:
            self._advertising.cancel()
            await asyncio.gather(self._advertising, return_exceptions=True)
            self._advertising = None
        if self._advertiser is not None:
            await _quietly(self._advertiser.stop())
            self._advertiser = None
        await self.server.stop()


async def _quietly(step: Awaitable[None]) -> None:
    try:
        await step
    except Exception as error:
        log.warning("Annonce zeroconf non retirée : %s", error)


def _search(library: Any, query: str, limit: int) -> list[dict[str, Any]]:
    """A seat's search, on the server's worker thread (never the GUI's)."""
    from sync.search import search

    return [hit.to_json() for hit in search(library.db, query, limit=limit)]


def run_with_seats(app: Any, service: SeatService, host: str, port: int) -> int:
    """Run the Qt application while the seat service serves from its own thread."""
    listening = service.start(host, port, advertise=lan_addresses() or None)
    log.info("Sièges en réseau servis sur le port %d", listening)
    try:
        # Until app.quit() (the administrator leaves the kiosk) or app.exit(code)
        # ("Redémarrer la table").
        code = app.exec()
    finally:
        service.stop()
    return int(code or 0)


__all__ = ["DEFAULT_PORT", "STOPPING", "SeatService", "run_with_seats"]
