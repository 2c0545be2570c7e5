"""The kiosk under systemd: READY and STATUS, a watchdog the GUI thread feeds,
and a table killed mid-session that comes back on the session where it was.

systemd itself is played by a datagram socket: ``$NOTIFY_SOCKET`` is all the
protocol there is (sd_notify(3)), so what the table sends is what systemd
would read.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from demo import DEMO_SCRIPT, demo_config
from screens.systemd import Watchdog, ping_interval_ms, status_line
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.script import play_lines
from table_app.store import open_database


class FakeSystemd:
    """The notification socket systemd gives a ``Type=notify`` service; a
    thread notes when each line arrives, as systemd's watchdog would."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.sock.settimeout(0.05)
        self.received: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self._closing = False
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._closing:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            now = time.monotonic()
            with self._lock:
                self.received.extend((now, line) for line in data.decode("utf-8").splitlines())

    def lines(self) -> list[tuple[float, str]]:
        with self._lock:
            return list(self.received)

    def clear(self) -> None:
        with self._lock:
            self.received.clear()

    def wait_for(self, prefix: str, within_s: float = 60.0) -> str:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            for _at, line in self.lines():
                if line.startswith(prefix):
                    return line
            time.sleep(0.02)
        raise AssertionError(f"{prefix!r} not received; got {self.lines()[-5:]}")

    def close(self) -> None:
        self._closing = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[FakeSystemd]:
    fake = FakeSystemd(tmp_path)
    yield fake
    fake.close()


def test_the_watchdog_stops_when_the_event_loop_is_blocked(
    qapp: QApplication, systemd: FakeSystemd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(systemd.path))
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # WatchdogSec=0.2: a ping every 100 ms
    assert ping_interval_ms() == 100
    watchdog = Watchdog()
    blocked: list[float] = []

    def block() -> None:
        blocked.append(time.monotonic())
        time.sleep(1.0)  # the GUI thread stuck, as in a deadlock
        blocked.append(time.monotonic())

    QTimer.singleShot(500, block)
    QTimer.singleShot(2000, qapp.quit)
    watchdog.start()
    qapp.exec()
    watchdog.stop()
    time.sleep(0.1)
    pings = [at for at, line in systemd.lines() if line == "WATCHDOG=1"]
    assert len(pings) >= 8
    start, end = blocked
    during = [at for at in pings if start + 0.05 < at < end - 0.05]
    assert during == [], "no heartbeat while the loop is blocked"
    assert any(at > end for at in pings), "the heartbeat resumes with the loop"
    gaps = [b - a for a, b in itertools.pairwise(pings)]
    assert max(gaps) >= 0.9  # the gap systemd would see, and act on past WatchdogSec


def test_the_status_line_says_the_session_and_the_point() -> None:
    assert status_line(None) == "Table prête : aucune séance convoquée"


def _table_env(root: Path, systemd: FakeSystemd) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        NOTIFY_SOCKET=str(systemd.path),
        WATCHDOG_USEC="2000000",
        TABLE_APP_DATA_DIR=str(root / "donnees"),
    )
    return env


def _start_table(root: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "screens.cli",
            "--config",
            str(root / "config.toml"),
            "run",
            "--windowed",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_a_table_killed_mid_session_comes_back_on_the_session_where_it_was(
    tmp_path: Path, systemd: FakeSystemd
) -> None:
    config = demo_config(tmp_path)
    engine = SessionEngine(Journal(open_database(config.database_url)), config)
    lines = [
        line
        for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    taken_up = next(n for n, line in enumerate(lines) if json.loads(line)["cmd"] == "take_up")
    play_lines(engine, lines[: taken_up + 1], session="2026-11-28", author="president")
    expected = status_line(engine.state.sessions["2026-11-28"])
    assert expected == "Séance du 28 novembre 2026 : ouverte, point 1 en discussion"

    env = _table_env(tmp_path, systemd)
    table = _start_table(tmp_path, env)
    try:
        ready = systemd.wait_for("READY=1")
        assert ready == "READY=1"
        assert systemd.wait_for("STATUS=") == f"STATUS={expected}"
        systemd.wait_for("WATCHDOG=1")
        table.send_signal(signal.SIGKILL)  # a crash: no STOPPING, nothing flushed on purpose
        table.wait(10)
        systemd.clear()

        # What Restart=always does: start it again.
        table = _start_table(tmp_path, env)
        systemd.wait_for("READY=1")
        assert systemd.wait_for("STATUS=") == f"STATUS={expected}"
        systemd.wait_for("WATCHDOG=1")
        table.send_signal(signal.SIGTERM)
        table.wait(20)
    finally:
        if table.poll() is None:
            table.kill()
            table.wait(10)
