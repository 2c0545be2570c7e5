"""The kiosk restarted after a crash: how long the mairie waits for its session.

systemd is played by its notification socket, as in
tests/screens/test_kiosk_systemd.py: the table (``table-app run``, the demo
commune with its documents, mid-session) is killed with SIGKILL, started
again after the unit's ``RestartSec``, and timed until it says READY=1 — the
seven views shown on the session where it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

from bench.common import BenchContext, Result, benchmark, log
from demo import DEMO_SCRIPT, demo_config
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.script import play_lines
from table_app.store import open_database

UNIT = Path(__file__).resolve().parent.parent / "kiosk.service"


def restart_sec() -> float:
    """The unit's RestartSec, in seconds (what systemd waits before starting again)."""
    match = re.search(r"^RestartSec=(\d+)(ms)?$", UNIT.read_text(encoding="utf-8"), re.M)
    if match is None:
        return 0.1  # systemd's default
    return int(match.group(1)) / (1000 if match.group(2) else 1)


def _wait_ready(sock: socket.socket, within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096).decode("utf-8")
        except TimeoutError:
            continue
        if "READY=1" in data.splitlines():
            return
    raise RuntimeError("the table never said READY=1")


def _stop_what_is_left(group: int, within_s: float = 10) -> None:
    """What systemd does once a unit's main process is gone (the unit's
    KillMode=mixed): SIGKILL to every process left in its group, and wait until
    they are gone. The table's worker processes, orphaned, would otherwise go
    on beside the new table (and a LibreOffice conversion takes 1-2 s to end on
    the SIGTERM of the default KillMode)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    deadline = time.monotonic() + within_s
    while _living(group) and time.monotonic() < deadline:
        time.sleep(0.005)


def _living(group: int) -> bool:
    """Whether a process of ``group`` still runs. A zombie does not: it waits
    for this container's init to reap it, which systemd, as PID 1, does at once."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # pid (comm) state ppid pgrp ...: comm may hold spaces, split after it
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == group and fields[0] != "Z":
                return True
    return False


@benchmark("kiosk.restart_after_crash")
def restart_after_crash(ctx: BenchContext) -> Result:
    root = ctx.tmp / "kiosk"
    config = demo_config(root)
    from demo.documents import build_demo_documents

    build_demo_documents(config.documents_folder)
    engine = SessionEngine(Journal(open_database(config.database_url)), config)
    lines = [
        line
        for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    taken = [n for n, line in enumerate(lines) if json.loads(line)["cmd"] == "take_up"]
    play_lines(engine, lines[: taken[2] + 1], session="2026-11-28", author="president")
    path = root / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.05)
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        NOTIFY_SOCKET=str(path),
        WATCHDOG_USEC="10000000",
        TABLE_APP_DATA_DIR=str(root / "donnees"),
    )
    command = [sys.executable, "-m", "screens.cli", "--config", str(root / "config.toml")]
    command += ["run", "--windowed"]

    def start() -> subprocess.Popen[bytes]:
        # A process group of its own, as the unit's control group: what the
        # table started (the fork server, its workers) is stopped with it.
        return subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    delay = restart_sec()
    table = start()
    _wait_ready(sock)  # first start: the documents ingested, the caches warm
    samples: list[float] = []
    try:
        for _ in range(2 if ctx.quick else 5):
            time.sleep(1.0)  # the session goes on a moment
            table.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            table.wait(10)
            _stop_what_is_left(table.pid)
            time.sleep(delay)  # RestartSec
            table = start()
            _wait_ready(sock)
            samples.append(time.monotonic() - killed)
            log(f"restart after crash: {samples[-1]:.2f} s")
    finally:
        table.send_signal(signal.SIGTERM)
        try:
            table.wait(20)
        except subprocess.TimeoutExpired:
            table.kill()
        sock.close()
    value = median(samples)
    extra = {
        "runs_s": [round(s, 3) for s in samples],
        "restart_sec_s": delay,
        "note": "SIGKILL → RestartSec → seven views shown on the session (READY=1); "
        "the demo commune with its documents, point 3 under discussion",
    }
    summary = (
        f"crash → table back on its session: {value:.2f} s median "
        f"({min(samples):.2f}–{max(samples):.2f} s, RestartSec {delay:g} s included)"
    )
    return Result("kiosk.restart_after_crash", value, "s", 2.0, "lower", extra, summary)
