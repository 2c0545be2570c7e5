"""``table-app demo``: the demo commune's table.

On a desktop it opens the seven views as windows, the session convened and
the roll call under way, for a person to drive. With no display it runs
offscreen: it plays the demo session through the real engine and writes
screenshots of all seven views at four moments (roll call, a point under
discussion with its document projected — one seat reading it in « Plein
écran » —, a vote just recorded, the closed session) into a folder whose path
it prints; ``on_moment`` lets the screenshot tests measure each view then.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QWidget

from demo import DEMO_SCRIPT, demo_config
from screens.app import VIEW_SIZE, TableViews, application, windowed_scale
from screens.pacing import pacer
from screens.session_model import SessionModel
from sync.library import DocumentLibrary
from sync.search import DeliberationIndexer
from sync.workers import ExtractionPool
from table_app.config import Config
from table_app.council import moments
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.store import open_database

log = logging.getLogger("screens")

#: (moment, the command after which the screenshots are taken)
MOMENTS = (
    ("1-appel", lambda c: c["cmd"] == "open"),
    ("2-point-en-discussion", lambda c: c["cmd"] == "project"),
    ("3-vote-enregistre", lambda c: c["cmd"] == "vote" and c.get("item") == "p2"),
    ("4-seance-close", lambda c: c["cmd"] == "close"),
)

#: The seat whose councillor reads the projected budget in « Plein écran »
#: during point 2 (the others follow the mayor in the seat's own layout).
READING_SEAT = "Siège 2"

#: Told of each moment the offscreen demo photographs: its name and the
#: windows on screen then (by role, or the dialog's name). The screenshot tests
#: measure them (tests/screens/readability.py).
MomentHook = Callable[[str, dict[str, QWidget]], None]


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def settle(ms: int = 50, until: Callable[[], bool] | None = None, timeout_s: float = 10) -> None:
    """Let Qt deliver queued signals and paint (and wait for ``until``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
        # What the last pass posted is done too (a layout after a paced redraw):
        # on a loaded machine the timer could end the loop right after a long pass.
        QCoreApplication.processEvents()
        if until is None or until() or time.monotonic() > deadline:
            return


def script_commands() -> list[dict[str, Any]]:
    lines = DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.startswith("#")]


def with_projection(
    commands: list[dict[str, Any]], library: DocumentLibrary | None
) -> list[dict[str, Any]]:
    """The demo script, with the mayor projecting the budget during point 2."""
    if library is None:
        return commands
    budget = next(
        (d for d in library.documents() if d["item_position"] == 2 and d["kind"] == "pdf"), None
    )
    if budget is None:
        return commands
    out: list[dict[str, Any]] = []
    for command in commands:
        out.append(command)
        if command["cmd"] == "take_up" and command.get("item") == "p2":
            out.append(
                {
                    "cmd": "project",
                    "document": budget["document_id"],
                    "title": budget["content_title"] or budget["title"],
                    "page": min(5, budget["page_count"]),
                    "hash": budget["hash"],
                }
            )
    return out


class DemoTable:
    """The demo commune on a fresh data folder: engine, documents, views."""

    def __init__(self, root: Path, *, windowed: bool, seats: bool = False) -> None:
        self.root = root
        self.config: Config = demo_config(root)
        self.db = open_database(self.config.database_url)
        self.engine = SessionEngine(Journal(self.db), self.config)
        self.indexer = DeliberationIndexer(self.db, self.engine)
        self.indexer.start()
        self.pool = ExtractionPool(office_profile_dir=self.config.data_dir / "libreoffice-profile")
        self.library = DocumentLibrary(
            self.db, self.config.documents_folder, self.config.data_dir, self.pool
        )
        self._build_documents()
        self.model = SessionModel(self.engine, library=self.library)
        self.seats = None
        if seats:  # seats on the network: the same service as the kiosk's
            from screens.seat_service import SeatService

            self.seats = SeatService(
                self.engine, self.config.data_dir, self.config.commune.name, library=self.library
            )
        self.renderer, factory = _viewer_factory()
        self.views = TableViews(
            self.config, self.model, factory, windowed=windowed, seats=self.seats
        )

    def _build_documents(self) -> None:
        try:
            from demo.documents import build_demo_documents
        except ImportError:  # pragma: no cover - the generator ships with the demo
            return
        build_demo_documents(self.config.documents_folder)
        self.library.reconcile()

    def close(self) -> None:
        self.indexer.stop()
        if self.renderer is not None:
            self.renderer.close()
        self.pool.close()


def _viewer_factory() -> tuple[Any, Any]:
    try:
        from screens.document_viewer import DocumentViewer
        from screens.render import PageRenderer
    except ImportError:  # pragma: no cover
        return None, None
    renderer = PageRenderer()
    return renderer, lambda parent: DocumentViewer(renderer, parent)


def read_full_screen(views: TableViews, role: str) -> None:
    """A councillor touches « Plein écran » under the page the mayor projects."""
    view = views.views.get(role)
    viewer = getattr(getattr(view.widget, "documents", None), "viewer", None) if view else None
    if viewer is None:
        return
    settle(50, until=lambda: viewer.page_count() > 0, timeout_s=15)  # the page has come
    if not viewer.reading_mode():
        viewer.reading_button.click()


def screenshot_all(views: TableViews, folder: Path, moment: str) -> list[Path]:
    paths = []
    for role, view in views.views.items():
        name = "maire" if role == "master" else role.lower().replace(" ", "-").replace("è", "e")
        path = folder / f"{moment}-{name}.png"
        view.widget.grab().save(str(path))
        paths.append(path)
    return paths


def run_offscreen(root: Path, shots: Path, on_moment: MomentHook | None = None) -> int:
    app = application()
    table = DemoTable(root, windowed=True)
    try:
        for view in table.views.views.values():
            view.widget.resize(*VIEW_SIZE)
            view.widget.show()
        commands = with_projection(script_commands(), table.library)
        shots.mkdir(parents=True, exist_ok=True)
        taken: list[Path] = []
        for command in commands:
            author = command.pop("by", "president")
            if table.model.execute(dict(command), author=author) is None:
                print(f"Commande refusée pendant la démonstration : {command}")
                return 1
            for moment, after in MOMENTS:
                if after(command):
                    if moment == "1-appel":
                        table.views.views["master"].widget.tabs.setCurrentIndex(0)  # type: ignore[attr-defined]
                    if moment == "2-point-en-discussion":
                        read_full_screen(table.views, READING_SEAT)
                    settle(80, until=lambda: _renders_done(table), timeout_s=15)
                    taken += screenshot_all(table.views, shots, moment)
                    if on_moment is not None:
                        on_moment(moment, {r: v.widget for r, v in table.views.views.items()})
        app.processEvents()
        # The secretary writes the debates, the mayor and the secretary sign by
        # hand, then the secretary produces, signs and publishes.
        master: Any = table.views.views["master"].widget
        panel = master.secretary
        taken += prepare_documents(panel, shots, on_moment)
        finished: list[Any] = []
        panel.export_finished.connect(finished.append)
        panel.produce()
        settle(100, until=lambda: bool(finished), timeout_s=120)
        if not finished:
            print(f"Export impossible : {panel.state.text()}")
            return 1
        exported = finished[0]
        folders: list[Any] = []
        panel.published.connect(folders.append)
        settle(50, until=panel.publish_button.isEnabled, timeout_s=30)  # the check is done
        panel.publish()
        settle(100, until=lambda: bool(folders), timeout_s=60)
        if not folders:
            print(f"Publication impossible : {panel.state.text()}")
            return 1
        panel.files.setCurrentRow(1)
        panel._on_files_item_clicked(panel.files.item(1))
        settle(80, until=lambda: _renders_done(table), timeout_s=15)
        path = shots / "5-secretariat-maire.png"
        master.grab().save(str(path))
        taken.append(path)
        if on_moment is not None:
            on_moment("5-secretariat", {"master": master})
    finally:
        table.close()
    print(f"Démonstration jouée : {len(taken)} captures d'écran des vues dans {shots}")
    print(
        f"Documents signés ({len(exported.signed) + len(exported.kept)} : délibérations, "
        f"procès-verbal, liste, feuillet de clôture) : "
        f"{exported.folder / 'signées'}"
    )
    print(f"Publication pour les citoyens : {folders[0] / 'index.html'}")
    for notice in exported.notices:
        print(notice)
    print(f"Données de la démonstration : {root}")
    return 0


#: What the secretary writes of the debates in the demo (item id → summary).
DEMO_DEBATES = {
    "p2": (
        "M. Rousseau, adjoint aux finances, présente la décision modificative : "
        "elle finance la réfection de la toiture de l'école par un virement de la "
        "section de fonctionnement.\n"
        "Mme Bonnet regrette que les dépenses imprévues ne soient pas chiffrées ; "
        "M. Rousseau répond qu'elles le seront au budget primitif 2027."
    ),
    "p3": (
        "Trois entreprises ont répondu à la consultation. Mme Garnier présente le "
        "tableau comparatif des devis ; le conseil retient l'offre la mieux-disante."
    ),
}


def _signature_points(width: int, height: int, seed: int) -> list[list[tuple[int, int]]]:
    """A cursive-looking signature: a run of loops, then an underline."""
    loops, strokes = 5 + seed, []
    body = []
    for step in range(121):
        t = step / 120
        x = 0.12 + 0.7 * t + 0.035 * math.cos(2 * math.pi * loops * t)
        y = 0.45 - 0.2 * math.sin(2 * math.pi * loops * t) * (1 - 0.4 * t) - 0.05 * t
        body.append((int(width * x), int(height * y)))
    strokes.append(body)
    strokes.append(
        [
            (int(width * (0.18 + 0.7 * t / 30)), int(height * (0.72 - 0.04 * t / 30)))
            for t in range(31)
        ]
    )
    return strokes


def _draw_on_pad(pad: Any, seed: int) -> None:
    """Draw on the real pad as a finger would (the offscreen demo has no hand)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for stroke in _signature_points(pad.width(), pad.height(), seed):
        points = [QPoint(x, y) for x, y in stroke]
        QTest.mousePress(pad, left, none, points[0])
        for point in points[1:]:
            QTest.mouseMove(pad, point)
        QTest.mouseRelease(pad, left, none, points[-1])


def prepare_documents(panel: Any, shots: Path, on_moment: MomentHook | None = None) -> list[Path]:
    """The debates written in their dialog, the two signatures drawn on the pad;
    screenshots of both dialogs."""
    taken = []
    debates = panel.open_debates()
    debates.resize(*VIEW_SIZE)
    for row in range(debates.points.count()):
        item_id = debates.points.item(row).data(Qt.ItemDataRole.UserRole)
        if item_id in DEMO_DEBATES:
            debates.points.setCurrentRow(row)
            debates.editor.setPlainText(DEMO_DEBATES[item_id])
    settle(50)
    path = shots / "5-synthese-des-debats.png"
    debates.grab().save(str(path))
    taken.append(path)
    if on_moment is not None:
        on_moment("5-synthese-des-debats", {"debates": debates})
    debates.accept()  # closing saves the last summary typed
    for seed, role in enumerate(("maire", "secretaire")):
        dialog = panel.open_signature(role)
        if dialog is None:
            continue
        settle(50)
        _draw_on_pad(dialog.pad, seed)
        settle(30)
        if role == "maire":
            path = shots / "5-signature-du-maire.png"
            dialog.grab().save(str(path))
            taken.append(path)
        if on_moment is not None:
            on_moment(f"5-signature-{role}", {"signature": dialog})
        dialog.accept()
    return taken


def _renders_done(table: DemoTable) -> bool:
    """The pages rendered, and every view redrawn (their redraws are paced)."""
    renderer = table.renderer
    return (renderer is None or renderer.pending() == 0) and pacer().pending() == 0


def run_windowed(root: Path, seats_port: int | None = None) -> int:
    windowed_scale()
    app = application()
    table = DemoTable(root, windowed=True, seats=seats_port is not None)
    for command in script_commands()[:17]:  # convened, roll call and procurations
        command.pop("by", None)
        table.model.execute(command)
    # From here the person at the table drives: the session's clock runs on
    # from the roll call, as on the evening of the session.
    session = next(iter(table.engine.state.sessions.values()))
    if session.last_at is not None:
        table.engine.clock = moments.running_from(moments.parse(session.last_at))
    table.views.show()
    print(f"Table de démonstration ouverte. Données : {root}")
    if table.seats is not None and seats_port is not None:
        from screens.seat_service import run_with_seats

        print(
            f"Sièges en réseau servis sur le port {seats_port} : lancez « table-app seat » "
            "sur un autre ordinateur ou dans un autre terminal, puis, sur l'écran du maire, "
            f"« Sièges en réseau » (code administrateur {table.config.admin_pin})."
        )
        code = run_with_seats(app, table.seats, "0.0.0.0", seats_port)
    else:
        code = app.exec()
    table.close()
    return int(code)


def run_demo(
    data_dir: Path | None = None, shots: Path | None = None, seats_port: int | None = None
) -> int:
    root = data_dir or Path(tempfile.mkdtemp(prefix="table-du-conseil-demo-"))
    if has_display() and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        return run_windowed(root, seats_port)
    if seats_port is not None:
        print(
            "La démonstration avec des sièges en réseau a besoin d'un écran "
            "(sans écran, elle joue la séance seule et s'arrête)."
        )
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return run_offscreen(root, shots or root / "captures")
