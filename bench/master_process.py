"""A master table in its own process, driven line by line: for the tests and
benchmarks that put real seat processes (``table-app seat``) in front of it.

It is the kiosk's own stack: the demo commune's engine and documents, its
views (offscreen: the mayor's and the seven seats', the mayor's alone with
``--mayor-only``, none with ``--no-views``) on Qt's loop, ``SeatService`` serving from its own
``seat-feed`` thread, announced with zeroconf on 127.0.0.1. It reads one JSON
command per line on standard input (a reader thread hands each line to the
GUI thread, which owns the engine) and answers one JSON line on standard
output:

    {"op": "pair"}                       -> {"code": "123456"}
    {"op": "execute", "command": {...}}  -> {"seq": N, "at": T} or {"refused": "..."}
    {"op": "state"}                      -> {"journal": N, "sessions": {...}, "blobs_sent": [...]}
    {"op": "stop_server"}, {"op": "start_server"} -> {"ok": true}   (a network cut)
    {"op": "revoke", "name": "..."}      -> {"ok": true}
    {"op": "stall"}                      -> {"stall_ms": longest GUI stall since the last ask}
                                            (with --stall-meter)
    {"op": "quit"}

``at`` is ``time.monotonic()`` when the engine published the event (its first
subscriber, just before the feed's): the same clock as a seat's ``--report``
lines, on the same machine.
The first line it prints is {"ready": true, "port": P, "fingerprint": F}, once
the feed listens and the table is announced.

    python -m bench.master_process DIR [--documents] [--no-views | --mayor-only] [--stall-meter]
        [--port P]
        [--commune NAME]
"""

from __future__ import annotations

import argparse
import dataclasses
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


class StallMeter:
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
    parser.add_argument(
        "--mayor-only",
        action="store_true",
        help="the mayor's screen alone: a table whose seat screens are devices "
        "(table-app seat) draws none of them itself",
    )
    parser.add_argument(
        "--stall-meter",
        action="store_true",
        help="measure the GUI thread's stalls (op stall): a 1 ms timer, 7 ms of CPU in "
        "each 250 ms, which the seat processes would otherwise not compete with",
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--commune",
        help="the name the table announces (Table de COMMUNE; default: the demo's commune). "
        "zeroconf tells two tables on one computer apart by this name only",
    )
    args = parser.parse_args(argv)

    from PySide6.QtCore import QObject, Qt, Signal, Slot

    from demo import demo_config
    from screens.app import TableViews, application, freeze_startup_objects
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
    if args.mayor_only:
        config = dataclasses.replace(config, seats=())
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

    # What the kiosk does once, 10 s after its start (screens.app): measured
    # from its first seconds, the master would count it in the session's stalls.
    freeze_startup_objects()
    meter = StallMeter() if args.stall_meter else None

    def obey(order: dict[str, Any]) -> None:
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
                    "sessions": {k: session_json(v) for k, v in engine.state.sessions.items()},
                    # The feed thread's list, read there.
                    "blobs_sent": service.feed.call(lambda: list(service.server.blobs_sent)),
                    "seats": sorted(service.server.connected.values()),
                    "documents": {
                        str(d["document_id"]): d["hash"]
                        for d in library.documents()
                        if d.get("hash")
                    },
                }
            )
        elif op == "stop_server":
            service.suspend()
            _print({"ok": True})
        elif op == "start_server":
            service.resume()
            _print({"ok": True})
        elif op == "revoke":
            for device in service.paired.all():
                if device.name == order["name"] and device.active:
                    service.server.revoke(device.fingerprint)
            _print({"ok": True})
        elif op == "stall":
            _print({"stall_ms": meter.take()} if meter else {"error": "no --stall-meter"})
        elif op == "quit":
            app.quit()
        else:
            _print({"error": f"unknown op {op!r}"})

    class Orders(QObject):
        """The lines read on standard input, obeyed on the GUI thread (it owns the engine)."""

        arrived = Signal(str)

        def __init__(self) -> None:
            super().__init__()
            self.arrived.connect(self.obey, Qt.ConnectionType.QueuedConnection)

        @Slot(str)
        def obey(self, line: str) -> None:
            try:
                obey(json.loads(line))
            except Exception as error:  # said to the driver, which is waiting for a line
                _print({"error": repr(error)})

    orders = Orders()

    def read_stdin() -> None:
        for line in sys.stdin:
            orders.arrived.emit(line)
        orders.arrived.emit('{"op": "quit"}')

    try:
        port = service.start("127.0.0.1", args.port, advertise=["127.0.0.1"])
        engine.subscribe(stamp, first=True)  # before the feed's own subscriber
        service.advertised()
        _print({"ready": True, "port": port, "fingerprint": service.identity.fingerprint})
        threading.Thread(target=read_stdin, name="stdin", daemon=True).start()
        app.exec()
    finally:
        service.stop()
        del views
        pool.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
