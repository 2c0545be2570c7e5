"""``table-app run``: the kiosk. One engine, the document service, seven views.

Under systemd (``kiosk.service``, ``Type=notify``) it says READY=1 once the
views are shown and feeds the watchdog from a QTimer on the GUI thread: if the
event loop freezes, the pings stop and systemd restarts the table.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication

from screens.app import TableViews, application, windowed_scale
from screens.kiosk_health import KioskHealth
from screens.session_model import SessionModel
from screens.systemd import Watchdog, sd_notify, status_line
from sync.inbox import FolderInbox
from sync.library import DocumentLibrary
from sync.search import DeliberationIndexer
from sync.service import DocumentSync
from sync.workers import ExtractionPool
from table_app.config import ConfigError, default_config_path, load_config
from table_app.council.engine import SessionEngine
from table_app.council.moments import wall_clock
from table_app.heartbeat import hold_table_lock
from table_app.journal import Journal
from table_app.store import open_database

if TYPE_CHECKING:
    from screens.seat_service import SeatService

log = logging.getLogger("screens")


def run_table(args: argparse.Namespace) -> int:
    if args.windowed:
        windowed_scale()
    app = application()
    if args.list_screens:
        for screen in QGuiApplication.screens():
            geometry = screen.geometry()
            print(
                f"{screen.name()}\t{geometry.width()}x{geometry.height()}"
                f"+{geometry.x()}+{geometry.y()}"
            )
        return 0
    try:
        config = load_config(Path(args.config) if args.config else default_config_path())
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    # Held while the table runs: `table-app restore` refuses meanwhile, and a
    # table started during a restore waits for it to end.
    table_lock = hold_table_lock(config.data_dir)
    db = open_database(args.database or config.database_url)
    # The live session takes its moments from the table's clock (the only place it does).
    engine = SessionEngine(Journal(db), config, clock=wall_clock)
    pool = ExtractionPool(office_profile_dir=config.data_dir / "libreoffice-profile")
    library = DocumentLibrary(db, config.documents_folder, config.data_dir, pool)
    service = DocumentSync(library)
    service.start()
    indexer = DeliberationIndexer(db, engine)  # deliberation texts searchable as edited
    indexer.start()
    model = SessionModel(engine, library=library)
    # Answers and proposals the members drop in the folder (sync/inbox.py).
    inbox = FolderInbox(engine, library)
    model.follow_inbox(inbox)
    inbox.start()
    from screens.document_viewer import DocumentViewer
    from screens.render import PageRenderer

    renderer = PageRenderer()
    seats: SeatService | None = None
    if getattr(args, "seats", False):
        from screens.seat_service import SeatService

        # Made before the views: the master screen administers it ("Sièges en réseau").
        seats = SeatService(engine, config.data_dir, config.commune.name, library=library)
        if config.admin_pin is None:
            log.warning(
                "Sièges en réseau sans code administrateur ([kiosk] admin_pin) : "
                "l'écran du maire ne pourra pas appairer de siège"
            )
    views = TableViews(
        config,
        model,
        lambda parent: DocumentViewer(renderer, parent),
        windowed=args.windowed,
        seats=seats,
    )
    views.show()
    sd_notify(f"READY=1\nSTATUS={status_line(model.session)}")
    model.session_changed.connect(lambda: sd_notify(f"STATUS={status_line(model.session)}"))
    watchdog = Watchdog()  # fed by the GUI thread: a frozen loop gets the table restarted
    watchdog.start()
    health = KioskHealth(config.data_dir, views, service, seats).start()  # etat-table.json
    try:
        if seats is not None:
            from screens.seat_service import run_with_seats

            return run_with_seats(app, seats, "0.0.0.0", args.seats_port)
        return int(app.exec())
    finally:
        health.stop()
        watchdog.stop()
        sd_notify("STOPPING=1")
        indexer.stop()
        service.stop()
        inbox.stop()
        renderer.close()
        pool.close()
        table_lock.release()
