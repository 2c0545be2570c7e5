"""Benchmarks of the table's views: a master action reaching the seven views,
and the start of the table with large documents open on every seat.

Runs offscreen (``QT_QPA_PLATFORM=offscreen``): the views paint into their
backing stores as they would on the screens, without a display server.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.common import BenchContext, Result, benchmark, latency_stats_ms, log

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_STARTUP_SCRIPT = r"""
import json, os, sys, time
t0 = time.perf_counter()
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtCore import QEvent, QObject
from screens.app import application
from screens.demo import DemoTable, settle
root = Path(sys.argv[1])
app = application()
table = DemoTable(root, windowed=True)  # replays the journal, lists the documents
painted = set()

class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            painted.add(obj)
        return False

watch = Watch()
views = [v.widget for v in table.views.views.values()]
for widget in views:
    widget.installEventFilter(watch)
    widget.resize(1920, 1080)
    widget.show()
settle(5, until=lambda: all(w in painted for w in views), timeout_s=30)
started = time.perf_counter() - t0
library = table.library
budget = next(d for d in library.documents() if d["page_count"] == 120)
for role, view in table.views.views.items():
    if role != "master":
        view.widget.tabs.setCurrentWidget(view.widget.documents)
        view.widget.documents.open(budget, 60)
settle(50, until=lambda: table.renderer.pending() == 0, timeout_s=60)
settle(200)

def memory(pid, field):
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0

def descendants(pid):
    # The workers are the fork server's children, not ours: the whole tree.
    try:
        kids = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [d for kid in kids for d in descendants(kid)]

everyone = descendants(os.getpid())
render = table.renderer.worker_pids() if table.renderer is not None else []
print(json.dumps({
    "startup_s": started,
    "rss_main": memory(os.getpid(), "Rss"),
    "rss_workers": sum(memory(pid, "Rss") for pid in everyone),
    "rss_render_workers": sum(memory(pid, "Rss") for pid in render),
    "render_workers": len(render),
    "pss_total": memory(os.getpid(), "Pss") + sum(memory(pid, "Pss") for pid in everyone),
    "children": len(everyone),
}))
table.close()
"""


def _table(ctx: BenchContext) -> tuple[Any, Any, Any]:
    from demo import demo_config
    from screens.app import TableViews, application
    from screens.session_model import SessionModel
    from table_app.council.engine import SessionEngine
    from table_app.journal import Journal
    from table_app.store import open_database

    app = application()
    config = demo_config(ctx.workdir("views"))
    engine = SessionEngine(Journal(open_database(config.database_url)), config)
    model = SessionModel(engine)
    views = TableViews(config, model, windowed=True)
    return app, model, views


@benchmark("screens.master_action_to_seven_views")
def master_action(ctx: BenchContext) -> Result:
    """A command from the master → engine → all seven views repainted."""
    from PySide6.QtCore import QEvent, QObject

    from screens.demo import script_commands, settle

    app, model, views = _table(ctx)
    widgets = [v.widget for v in views.views.values()]
    painted: set[int] = set()

    class Watch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                painted.add(id(obj))
            return False

    watch = Watch()
    for widget in widgets:
        widget.resize(1920, 1080)
        widget.show()
        widget.installEventFilter(watch)
    settle(50)
    for command in script_commands()[:18]:  # convened, roll call, opened, secretary
        command.pop("by", None)
        model.execute(command)
    settle(50)
    count = 60 if ctx.quick else 300
    samples: list[int] = []
    for n in range(count):
        command = {"cmd": "leave" if n % 2 == 0 else "arrive", "member": "icolin"}
        painted.clear()
        start = time.perf_counter_ns()
        if model.execute(command) is None:
            raise RuntimeError(f"refused: {command}")
        while not all(id(w) in painted for w in widgets):
            app.processEvents()
        samples.append(time.perf_counter_ns() - start)
    for widget in widgets:
        widget.close()
    stats = latency_stats_ms(samples)
    value = stats["median_ms"]
    summary = (
        f"master action → 7 views repainted: median {value:.1f} ms, p99 {stats['p99_ms']:.1f} ms"
    )
    return Result(
        "screens.master_action_to_seven_views",
        value,
        "ms",
        16,
        "lower",
        {**stats, "n": count, "action": "arrivée / départ d'un membre"},
        summary,
    )


@benchmark("screens.startup_and_memory")
def startup_and_memory(ctx: BenchContext) -> Result:
    """Start to the seven views showing the session; RSS with the budget open on every seat.

    The memory counts the table's process and every process under it: the fork
    server and its workers (render, extraction), the resource tracker.
    """
    root = ctx.workdir("startup")
    from screens.demo import DemoTable  # noqa: F401  (fail early if the demo is missing)

    # A first run builds the demo data; the measured run starts on it, as a table boots.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, "-c", _STARTUP_SCRIPT, str(root)]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    if first.returncode != 0:
        raise RuntimeError(first.stderr[-2000:])
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=300)
    wall = time.perf_counter() - start
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    total_mb = (figures["rss_main"] + figures["rss_workers"]) / 2**20
    value = figures["startup_s"]
    extra = {
        "process_wall_s": round(wall, 2),
        "rss_total_mb": round(total_mb),
        "rss_main_mb": round(figures["rss_main"] / 2**20),
        "rss_workers_mb": round(figures["rss_workers"] / 2**20),
        "rss_render_workers_mb": round(figures["rss_render_workers"] / 2**20),
        "render_workers": figures["render_workers"],
        "pss_total_mb": round(figures["pss_total"] / 2**20),
        "rss_target_mb": 600,
        "worker_processes": figures["children"],
        "note": "startup measured inside the process (imports included), the data already on disk",
    }
    summary = (
        f"start → seven views painted: {value:.2f} s; RSS with the 120-page budget open on "
        f"six seats: {total_mb:.0f} MB (main {extra['rss_main_mb']}, every other process "
        f"{extra['rss_workers_mb']}, of which render workers {extra['rss_render_workers_mb']}; "
        f"PSS {extra['pss_total_mb']})"
    )
    return Result("screens.startup_and_memory", value, "s", 1.5, "lower", extra, summary)


def _listed_paths(widget: Any) -> set[str]:
    """The documents' paths a ``QListWidget`` of a view lists."""
    from PySide6.QtCore import Qt

    paths = set()
    for row in range(widget.count()):
        doc = widget.item(row).data(Qt.ItemDataRole.UserRole)
        if isinstance(doc, dict) and "path" in doc:
            paths.add(str(doc["path"]))
    return paths


@benchmark("screens.document_dropped_500")
def document_dropped_500(ctx: BenchContext) -> Result:
    """A file dropped in the folder while 500 documents are listed reaches the
    seven views (the library attached, the folder watched, the seats showing
    point 1, where the file goes): the longest stall of the GUI thread from the drop until its text
    is indexed, and the time from the file's close to the seventh view listing
    it. Beside it, the library's list of 500 documents in one query against one
    query per document (what every view ran on every event before)."""
    from bench.documents_bench import text_pdf
    from bench.master_process import StallMeter
    from demo import demo_config
    from screens.app import TableViews, application, freeze_startup_objects
    from screens.demo import script_commands, settle
    from screens.session_model import SessionModel
    from sync.library import DocumentLibrary
    from sync.service import DocumentSync
    from sync.workers import ExtractionPool
    from table_app.council.engine import SessionEngine
    from table_app.journal import Journal
    from table_app.store import open_database

    listed_n = 100 if ctx.quick else 500
    drops = 5 if ctx.quick else 20
    app = application()
    config = demo_config(ctx.workdir("dropped-500"))
    folder = config.documents_folder
    for n in range(listed_n):  # a fifth for the session's points, the rest in the archive
        if n % 5 == 0:
            target = folder / "Séances" / "2026-11-28" / f"0{n % 4 + 1} - Point" / f"piece-{n}.pdf"
        else:
            target = folder / "Archives" / str(2016 + n % 10) / f"document-{n}.pdf"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text_pdf(1, n))
    db = open_database(config.database_url)
    pool = ExtractionPool(office_profile_dir=config.data_dir / "libreoffice-profile")
    library = DocumentLibrary(db, folder, config.data_dir, pool)
    log(f"  listing {listed_n} documents…")
    library.reconcile()
    ids = [d["document_id"] for d in library.documents()]

    def timed(run: Any) -> float:
        runs = []
        for _ in range(5):
            start = time.perf_counter_ns()
            run()
            runs.append((time.perf_counter_ns() - start) / 1e6)
        return sorted(runs)[2]

    one_query_ms = timed(library.documents)
    per_document_ms = timed(lambda: [library.document(i) for i in ids])

    engine = SessionEngine(Journal(db), config)
    model = SessionModel(engine, library=library)
    views = TableViews(config, model, windowed=True)
    widgets = {role: view.widget for role, view in views.views.items()}
    for widget in widgets.values():
        widget.resize(1920, 1080)
        widget.show()
    commands = script_commands()
    upto = next(n for n, c in enumerate(commands) if c["cmd"] == "take_up")  # point 1
    for command in commands[: upto + 1]:
        command.pop("by", None)
        model.execute(command)
    settle(200, until=lambda: model.documents.loaded, timeout_s=60)
    service = DocumentSync(library)
    service.start(scan=False)
    settle(500)
    freeze_startup_objects()  # what the kiosk does once, 10 s after its start

    def lists(role: str) -> Any:
        widget: Any = widgets[role]
        return widget.projection.list if role == "master" else widget.documents.list

    meter = StallMeter()
    stalls: list[float] = []
    delays: list[float] = []
    try:
        for n in range(drops):
            rel = f"Séances/2026-11-28/01 - Point/ajout-{n}.pdf"
            data = text_pdf(2, 1000 + n)
            meter.take()
            with (folder / rel).open("wb") as out:
                out.write(data)
            closed = time.perf_counter()

            def everywhere(path: str = rel) -> bool:
                return all(path in _listed_paths(lists(k)) for k in widgets)

            settle(1, until=everywhere, timeout_s=60)
            if not everywhere():
                missing = {k: sorted(_listed_paths(lists(k)))[:3] for k in widgets}
                raise RuntimeError(f"{rel} did not reach the seven views: {missing}")
            delays.append((time.perf_counter() - closed) * 1000)
            settle(20, until=lambda: service.wait_idle(0), timeout_s=60)  # its text indexed too
            settle(300)
            stalls.append(meter.take())
    finally:
        service.stop()
        for widget in widgets.values():
            widget.close()
        model.close()
        pool.close()
    del app
    stall_max = max(stalls)
    extra = {
        "stall_max_ms": stall_max,
        "stall_median_ms": statistics.median(stalls),
        "listed_median_ms": statistics.median(delays),
        "listed_max_ms": max(delays),
        "documents": listed_n,
        "drops": drops,
        "views": len(widgets),
        "library_one_query_ms": one_query_ms,
        "library_query_per_document_ms": per_document_ms,
        "quiet_s": service.quiet_s,
    }
    return Result(
        "screens.document_dropped_500",
        stall_max,
        "ms",
        16,
        "lower",
        extra,
        f"{drops} files dropped with {listed_n} documents listed: the GUI thread's longest stall "
        f"{stall_max:.1f} ms (median per drop {statistics.median(stalls):.1f} ms); on the seven "
        f"views {statistics.median(delays):.0f} ms after the file's close (median; the folder "
        f"waits {service.quiet_s * 1000:.0f} ms of quiet); the list of {listed_n} documents "
        f"{one_query_ms:.1f} ms in one query, {per_document_ms:.0f} ms with one query per document",
    )
