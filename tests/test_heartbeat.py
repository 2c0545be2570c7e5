"""The running table's heartbeat file and its lock (table_app/heartbeat.py)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from table_app.heartbeat import (
    HEARTBEAT_FILE,
    LOCK_FILE,
    DisplayState,
    Heartbeat,
    HeartbeatWriter,
    SeatsState,
    WatcherState,
    hold_table_lock,
    read_heartbeat,
    table_lock_held,
    try_table_lock,
    write_heartbeat,
)

T0 = datetime(2026, 11, 28, 19, 5, 0, tzinfo=UTC)


def _beat(at: datetime = T0, **kwargs: object) -> Heartbeat:
    return Heartbeat(
        written_at=at,
        started_at=at - timedelta(minutes=25),
        pid=4242,
        displays=(
            DisplayState("DP-1", "Écran du maire", True),
            DisplayState("HDMI-A-4", "Siège 6", False),
        ),
        watcher=WatcherState(True, "inotify", "/srv/mairie/Conseil"),
        seats=SeatsState(8443, ("AB:CD",)),
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_file_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / HEARTBEAT_FILE
    write_heartbeat(path, _beat())
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw == {
        "format": 1,
        "written_at": "2026-11-28T19:05:00Z",
        "started_at": "2026-11-28T18:40:00Z",
        "pid": 4242,
        "stopped": False,
        "displays": [
            {"display": "DP-1", "view": "Écran du maire", "connected": True},
            {"display": "HDMI-A-4", "view": "Siège 6", "connected": False},
        ],
        "watcher": {"running": True, "mode": "inotify", "folder": "/srv/mairie/Conseil"},
        "seats": {"port": 8443, "connected": ["AB:CD"]},
    }
    assert read_heartbeat(path) == _beat()
    assert [p.name for p in tmp_path.iterdir()] == [HEARTBEAT_FILE]  # no temporary left


def test_a_missing_or_garbled_file_is_no_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / HEARTBEAT_FILE
    assert read_heartbeat(path) is None
    path.write_text('{"written_at": "hier"', encoding="utf-8")
    assert read_heartbeat(path) is None
    path.write_text('{"pid": 3}', encoding="utf-8")
    assert read_heartbeat(path) is None


def test_a_heartbeat_older_than_30_seconds_means_the_table_is_stopped() -> None:
    beat = _beat()
    assert beat.alive(T0 + timedelta(seconds=29))
    assert not beat.alive(T0 + timedelta(seconds=31))
    assert not _beat(stopped=True).alive(T0)
    # A heartbeat from the future (the clock was set back) is not a sign of life either.
    assert not beat.alive(T0 - timedelta(minutes=5))


def test_the_writer_asks_each_beat_for_the_current_facts(tmp_path: Path) -> None:
    now = [T0]
    displays = [DisplayState("DP-1", "Écran du maire", True)]
    writer = HeartbeatWriter(
        tmp_path,
        displays=lambda: displays,
        watcher=lambda: WatcherState(True, "polling", str(tmp_path)),
        clock=lambda: now[0],
    )
    writer.beat()
    first = read_heartbeat(tmp_path / HEARTBEAT_FILE)
    assert first is not None
    assert first.displays == (DisplayState("DP-1", "Écran du maire", True),)
    assert first.seats is None
    displays[0] = DisplayState("DP-1", "Écran du maire", False)  # unplugged
    now[0] = T0 + timedelta(seconds=2)
    writer.beat()
    second = read_heartbeat(tmp_path / HEARTBEAT_FILE)
    assert second is not None
    assert second.written_at == T0 + timedelta(seconds=2)
    assert second.started_at == T0
    assert not second.displays[0].connected
    writer.stop()
    last = read_heartbeat(tmp_path / HEARTBEAT_FILE)
    assert last is not None
    assert last.stopped


def test_a_beat_that_cannot_be_written_never_stops_the_table(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "données"
    blocker.write_text("un fichier à la place du dossier", encoding="utf-8")
    writer = HeartbeatWriter(blocker, displays=list)
    with caplog.at_level(logging.WARNING, logger="table_app.heartbeat"):
        writer.beat()
        writer.beat()
    warnings = [r for r in caplog.records if r.name == "table_app.heartbeat"]
    assert len(warnings) == 1  # said once, not every two seconds
    assert "État de la table non écrit" in warnings[0].getMessage()


def test_the_lock_is_exclusive_and_goes_with_its_holder(tmp_path: Path) -> None:
    assert not table_lock_held(tmp_path)
    lock = hold_table_lock(tmp_path)
    assert (tmp_path / LOCK_FILE).exists()
    assert table_lock_held(tmp_path)
    assert try_table_lock(tmp_path) is None
    lock.release()
    assert not table_lock_held(tmp_path)
    # Held by a process that is then killed: free again at once.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from table_app.heartbeat import hold_table_lock; "
            f"lock = hold_table_lock(Path({str(tmp_path)!r})); print('ok', flush=True); "
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "ok"
    assert table_lock_held(tmp_path)
    holder.kill()
    holder.wait(timeout=10)
    holder.stdout.close()
    assert not table_lock_held(tmp_path)
    again = try_table_lock(tmp_path)
    assert again is not None
    again.release()
