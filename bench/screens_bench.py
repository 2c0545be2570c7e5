"""Benchmarks of the table's views: a master action reaching the seven views,
and the start of the table with large documents open on every seat.

Runs offscreen (``QT_QPA_PLATFORM=offscreen``): the views paint into their
backing stores as they would on the screens, without a display server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from bench.common import BenchContext, Result, benchmark, latency_stats_ms

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
