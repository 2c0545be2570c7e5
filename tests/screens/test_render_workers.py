"""The page-render workers: Qt-free processes from the one fork server of the table.

Each test runs the table's side in a fresh interpreter that imports Qt first,
as the table does, so that nothing pytest or another test started (a fork
server, Qt) can hide or fake what is checked.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

_BOTH_KINDS_OF_WORKERS = """
import json, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication  # the table's process runs Qt
from sync import workers

app = QApplication([])


def pool():
    return workers.ExtractionPool(processes=1)


def renderer():
    from screens.render import PageRenderer  # imported late, as screens.table does

    return PageRenderer(processes=1)


first, second = (pool, renderer) if sys.argv[1] == "pool" else (renderer, pool)
started = {first.__name__: first()}
started[second.__name__] = second()
deadline = time.monotonic() + 60
while time.monotonic() < deadline and not all(s.worker_pids() for s in started.values()):
    app.processEvents()
    time.sleep(0.02)


def maps(pid):
    with open(f"/proc/{pid}/maps") as f:
        return f.read()


def parent(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


pids = {name: s.worker_pids() for name, s in started.items()}
servers = {parent(pid) for group in pids.values() for pid in group}
everyone = [pid for group in pids.values() for pid in group] + sorted(servers)
print(json.dumps({
    "preloaded": list(workers.forkserver_preloaded() or []),
    "pids": pids,
    "servers": sorted(servers),
    "qt": [pid for pid in everyone if "libQt6" in maps(pid)],
    "mupdf": [pid for pid in everyone if "libmupdf" in maps(pid)],
    "qt_here": "libQt6" in maps(os.getpid()),
}))
for s in started.values():
    s.close()
"""


@pytest.mark.parametrize("first", ["pool", "renderer"])
def test_both_kinds_of_workers_share_one_warm_fork_server_without_qt(first: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _BOTH_KINDS_OF_WORKERS, first],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["qt_here"]  # the table's own process does run Qt
    assert report["pids"]["pool"]
    assert report["pids"]["renderer"]
    assert len(report["servers"]) == 1  # one fork server for both kinds
    # Whichever kind started it, the server imported what both need.
    for module in (
        "pymupdf",
        "sync.extract",
        "sync.workers",
        "sync.render_worker",
        "sync.print_worker",
    ):
        assert module in report["preloaded"]
    assert not any(name.startswith(("PySide6", "screens")) for name in report["preloaded"])
    assert report["qt"] == []  # neither the server nor a worker maps Qt
    assert len(report["mupdf"]) == 3  # PyMuPDF came with the fork, in all three


def test_the_worker_modules_import_no_qt() -> None:
    check = (
        "import sys, sync.render_worker, sync.print_worker; "
        "print([m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'screens'))])"
    )
    done = subprocess.run(
        [sys.executable, "-c", check],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"
