"""A master table in its own process, driven line by line: for the tests and
benchmarks that put real seat processes (``table-app seat``) in front of it.

It is the kiosk's own stack: the demo commune's engine and documents, the
seven views (offscreen), ``SeatService`` on the Qt loop through qasync,
announced with zeroconf on 127.0.0.1. It reads one JSON command per line on
standard input and answers one JSON line on standard output:

    {"op": "pair"}                       -> {"code": "123456"}
    {"op": "execute", "command": {...}}  -> {"seq": N, "at": T} or {"refused": "..."}
    {"op": "state"}                      -> {"journal": N, "sessions": {...}, "blobs_sent": [...]}
    {"op": "stop_server"}, {"op": "start_server"} -> {"ok": true}   (a network cut)
    {"op": "revoke", "name": "..."}      -> {"ok": true}
    {"op": "stall"}                      -> {"stall_ms": longest GUI stall since the last ask}
    {"op": "quit"}

``at`` is ``time.monotonic()`` when the event was handed to the feed: the
same clock as a seat's ``--report`` lines, on the same machine.
The first line it prints is {"ready": true, "port": P, "fingerprint": F}.

    python -m bench.master_process DIR [--documents] [--no-views] [--port P] [--commune NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _print(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class _StallMeter:
    """The longest gap between two ticks of a 1 ms QTimer on the GUI thread."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.longest = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._timer.start(1)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def take(self) -> float:
        longest, self.longest = self.longest, 0.0
        self._last = time.perf_counter()
        return longest * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--documents", action="store_true", help="the demo's documents")
    parser.add_argument("--no-views", action="store_true", help="no window (many seats)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--commune",
        help="the name the table announces (Table de COMMUNE; default: the demo's commune). "
        "zeroconf tells two tables on one computer apart by this name only",
    )
    args = parser.parse_args(argv)

    import qasync

    from demo import demo_config
    from screens.app import TableViews, application
    from screens.seat_service import SeatService
    from screens.session_model import SessionModel
    from sync.library import DocumentLibrary
    from sync.workers import ExtractionPool
    from table_app.council.engine import SessionEngine
    from table_app.council.errors import CommandRefused
    from table_app.journal import Event, Journal
    from table_app.report import session_json
    from table_app.store import open_database

    root = Path(args.dir)
    app = application()
    config = demo_config(root)
    db = open_database(config.database_url)
    engine = SessionEngine(Journal(db), config)
    pool = ExtractionPool(office_profile_dir=config.data_dir / "libreoffice-profile")
    library = DocumentLibrary(db, config.documents_folder, config.data_dir, pool)
    if args.documents:
        from demo.documents import build_demo_documents

        if not any(config.documents_folder.rglob("*.pdf")):
            build_demo_documents(config.documents_folder)
        library.reconcile()
    model = SessionModel(engine, library=library)
    views = None
    if not args.no_views:
        views = TableViews(config, model, None, windowed=True)
        views.show()
    commune = args.commune or config.commune.name
    service = SeatService(engine, config.data_dir, commune, library=library)
    handed: dict[int, float] = {}

    def stamp(event: Event) -> None:
        handed[event.seq] = time.monotonic()

    engine.subscribe(stamp)
    meter = _StallMeter()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    lines: asyncio.Queue[str] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, '{"op": "quit"}')

    async def serve() -> None:
        port = args.port
        await service.start("127.0.0.1", port, advertise=["127.0.0.1"])
        port = service.server.port
        _print({"ready": True, "port": port, "fingerprint": service.identity.fingerprint})
        threading.Thread(target=read_stdin, daemon=True).start()
        while True:
            order = json.loads(await lines.get())
            op = order.get("op")
            if op == "pair":
                _print({"code": service.window.open()})
            elif op == "execute":
                try:
                    command = order["command"]
                    if "session" not in command and command.get("cmd") != "convene":
                        command = {"session": model.session_id, **command}
                    accepted = engine.execute(command, author=order.get("by", "president"))
                except CommandRefused as refusal:
                    _print({"refused": refusal.message})
                else:
                    seq = accepted.event.seq
                    _print({"seq": seq, "at": handed.get(seq)})
            elif op == "state":
                _print(
                    {
                        "journal": engine.state.last_seq,
                        "sessions": {
                            k: session_json(v) for k, v in engine.state.sessions.items()
                        },
                        "blobs_sent": service.server.blobs_sent,
                        "seats": sorted(s.name for s in service.server.seats.values()),
                        "documents": {
                            str(d["document_id"]): d["hash"] for d in library.documents() if d.get("hash")
                        },
                    }
                )
            elif op == "stop_server":
                await service.server.stop()
                _print({"ok": True})
            elif op == "start_server":
                await service.server.start("127.0.0.1", port)
                _print({"ok": True})
            elif op == "revoke":
                for device in service.paired.all():
                    if device.name == order["name"] and device.active:
                        service.server.revoke(device.fingerprint)
                _print({"ok": True})
            elif op == "stall":
                _print({"stall_ms": meter.take()})
            elif op == "quit":
                break
            else:
                _print({"error": f"unknown op {op!r}"})
        await service.stop()

    try:
        with loop:
            loop.run_until_complete(serve())
    finally:
        del views
        pool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
