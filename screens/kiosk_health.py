"""The kiosk's heartbeat: ``etat-table.json`` written from the GUI thread.

``table_app.heartbeat`` defines the file and writes it; this side only says
what the kiosk knows: each view's display and whether it is plugged in, the
document folder's watcher, the seats connected over the network. A QTimer
on the GUI thread writes it every two seconds, so a frozen event loop stops
the heartbeat as it stops systemd's watchdog, and ``table-app status`` says
"table arrêtée" 30 s later.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from table_app.heartbeat import DisplayState, HeartbeatWriter, SeatsState, WatcherState

if TYPE_CHECKING:
    from screens.app import TableViews
    from screens.seat_service import SeatService
    from sync.service import DocumentSync

BEAT_MS = 2000


def display_states(views: TableViews) -> list[DisplayState]:
    """Each view of the table, its display and whether that display is there
    (windowed on a laptop: every view is shown, on the one screen)."""
    return [
        DisplayState(
            view.display,
            "Écran du maire" if view.role == "master" else view.role,
            views.windowed or view.screen is not None,
        )
        for view in views.views.values()
    ]


def watcher_state(service: DocumentSync) -> WatcherState:
    watcher = service.watcher
    return WatcherState(watcher.running, watcher.mode, str(watcher.folder))


def seats_state(seats: SeatService) -> SeatsState:
    return SeatsState(seats.port, tuple(sorted(seats.server.connected)))


class KioskHealth(QObject):
    """Writes the kiosk's heartbeat every ``interval_ms`` from the GUI thread."""

    def __init__(
        self,
        data_dir: Path,
        views: TableViews,
        service: DocumentSync | None = None,
        seats: SeatService | None = None,
        interval_ms: int = BEAT_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.writer = HeartbeatWriter(
            data_dir,
            displays=lambda: display_states(views),
            watcher=(lambda: watcher_state(service)) if service is not None else lambda: None,
            seats=(lambda: seats_state(seats)) if seats is not None else lambda: None,
        )
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.writer.beat)

    def start(self) -> KioskHealth:
        """Write now, then every ``interval_ms``."""
        self.writer.beat()
        self._timer.start()
        return self

    def stop(self) -> None:
        """At a clean exit: the file says the table was quit, and when."""
        self._timer.stop()
        self.writer.stop()


__all__ = ["KioskHealth", "display_states", "seats_state", "watcher_state"]
