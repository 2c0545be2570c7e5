"""The kiosk serves its session to seats on the network, from the Qt loop itself.

qasync runs asyncio inside Qt's event loop, so the feed server lives on the
GUI thread without a thread of its own: the engine's events are handed to it
as they are published, and the seats' sockets are served between two
repaints. The server never waits on the GUI, and the GUI never waits on a
seat (each seat has its own queue; a slow one is cut off).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from sync.net.discovery import Advertiser, lan_addresses
from sync.net.identity import load_or_create_identity
from sync.net.pairing import PairedDevices, PairingWindow
from sync.net.server import EmptyStream, FeedServer
from table_app.council.engine import SessionEngine
from table_app.council.errors import CommandRefused
from table_app.notes import PrivateNotes

log = logging.getLogger("screens.seats")

DEFAULT_PORT = 8443


class SeatService:
    """The feed server of a table, its pairing and its announcement on the LAN."""

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
            on_proposal=lambda fields: self._propose(engine, fields),
            on_search=(lambda q, n: _search(library, q, n)) if library is not None else None,
            on_notes=self.notes.answer if self.notes is not None else None,
        )
        self._unsubscribe = [engine.subscribe(lambda e: self.server.publish("journal", e))]
        if library is not None:
            self._unsubscribe.append(
                library.feed.subscribe(lambda e: self.server.publish("documents", e))
            )
        self._advertiser: Advertiser | None = None
        self._serving = False

    @property
    def port(self) -> int | None:
        """The port the seats connect to; None until the server has started."""
        return self.server.port if self._serving else None

    @staticmethod
    def _propose(engine: SessionEngine, fields: dict[str, Any]) -> str | None:
        command = {"cmd": "propose_item", "kind": "deliberation", **fields}
        try:
            engine.execute(command, author="conseiller")
        except CommandRefused as refusal:
            return refusal.message
        return None

    async def start(
        self, host: str = "0.0.0.0", port: int = DEFAULT_PORT, advertise: list[str] | None = None
    ) -> None:
        await self.server.start(host, port)
        self._serving = True
        if advertise:
            self._advertiser = Advertiser(self.identity.name, self.server.port, advertise)
            await self._advertiser.start()

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self._advertiser is not None:
            await self._advertiser.stop()
        self._serving = False
        await self.server.stop()


def _search(library: Any, query: str, limit: int) -> list[dict[str, Any]]:
    """A seat's search, on the server's worker thread (never the GUI's)."""
    from sync.search import search

    return [hit.to_json() for hit in search(library.db, query, limit=limit)]


def run_with_seats(app: Any, service: SeatService, host: str, port: int) -> int:
    """Run the Qt application with the seat service on its loop (qasync)."""
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(service.start(host, port, advertise=lan_addresses() or None))
        log.info("Sièges en réseau servis sur le port %d", service.server.port)
        # Until app.quit() (the administrator leaves the kiosk) or app.exit(code)
        # ("Redémarrer la table"). Not a wait on aboutToQuit: every
        # run_until_complete ends Qt's loop and emits it.
        code = loop.run_forever()
        loop.run_until_complete(service.stop())
    return int(code or 0)


__all__ = ["DEFAULT_PORT", "SeatService", "run_with_seats"]
