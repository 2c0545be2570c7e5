"""The kiosk's heartbeat from the real views: each display, the folder watcher,
written by a timer on the GUI thread (screens/kiosk_health.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from screens.app import TableViews
from screens.kiosk_health import KioskHealth
from screens.session_model import SessionModel
from sync.watcher import FolderWatcher
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.heartbeat import HEARTBEAT_FILE, DisplayState, read_heartbeat


def test_the_heartbeat_names_each_display_and_the_watcher(
    qtbot: QtBot, engine: SessionEngine, config: Config, tmp_path: Path
) -> None:
    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    # The mayor's view on the one (offscreen) display there is; the seats' displays absent.
    config = replace(config, master_display=screen.name())
    views = TableViews(config, SessionModel(engine))
    for view in views.views.values():
        qtbot.addWidget(view.widget)
    views.show()
    folder = tmp_path / "documents"
    watcher = FolderWatcher(folder, lambda _change: None)
    watcher.start()
    service = cast(Any, SimpleNamespace(watcher=watcher))
    try:
        health = KioskHealth(config.data_dir, views, service, interval_ms=50).start()
        path = config.data_dir / HEARTBEAT_FILE
        beat = read_heartbeat(path)
        assert beat is not None  # written at once, not after the first interval
        assert beat.alive(datetime.now(UTC))
        assert beat.displays[0] == DisplayState(screen.name(), "Écran du maire", True)
        assert [d.view for d in beat.displays[1:]] == [s.name for s in config.seats]
        assert not any(d.connected for d in beat.displays[1:])
        assert beat.watcher is not None
        assert (beat.watcher.running, beat.watcher.mode) == (True, "inotify")
        assert beat.watcher.folder == str(folder)
        assert beat.seats is None

        # The display of the mayor's screen is unplugged: the next beats say so.
        views._on_app_screen_removed(screen)
        qtbot.waitUntil(
            lambda: (b := read_heartbeat(path)) is not None and not b.displays[0].connected,
            timeout=2000,
        )
        watcher.stop()
        qtbot.waitUntil(
            lambda: (
                (b := read_heartbeat(path)) is not None
                and b.watcher is not None
                and not b.watcher.running
            ),
            timeout=2000,
        )
        health.stop()
        last = read_heartbeat(path)
        assert last is not None
        assert last.stopped
        assert not last.alive(datetime.now(UTC))
    finally:
        watcher.stop()
