"""The kiosk and systemd: ready, status, and a watchdog fed by the GUI thread.

Under ``kiosk.service`` (``Type=notify``, ``WatchdogSec=``) the table says
READY=1 once its views are shown, keeps a one-line STATUS (what ``systemctl
status`` shows: the session and where it is), and sends WATCHDOG=1 from a
QTimer on the GUI thread. The pings are the event loop's heartbeat: if the
loop freezes (a deadlock, a query that never returns) they stop, and systemd
kills and restarts the table, which comes back on the session where it was
(the journal is the truth).

Nothing here needs systemd: without ``$NOTIFY_SOCKET`` every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket

from PySide6.QtCore import QObject, QTimer

from table_app.council.state import Session
from table_app.french import long_date

log = logging.getLogger("screens.systemd")

#: Ping interval when systemd does not say its watchdog period.
DEFAULT_PING_MS = 2000


def sd_notify(message: str) -> bool:
    """Tell systemd (``$NOTIFY_SOCKET``); False when not run by systemd or
    when the socket cannot be reached (the table goes on either way)."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
    except OSError as error:
        log.warning("Notification à systemd impossible (%s) : %s", message.split("=")[0], error)
        return False
    return True


def ping_interval_ms() -> int:
    """Half the watchdog period systemd gives (``$WATCHDOG_USEC``), as its
    documentation advises; ``DEFAULT_PING_MS`` when it gives none."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    if usec.isdigit() and int(usec) > 0:
        return max(100, int(usec) // 2000)
    return DEFAULT_PING_MS


def status_line(session: Session | None) -> str:
    """The session in one French line, for ``systemctl status``."""
    if session is None:
        return "Table prête : aucune séance convoquée"
    line = f"Séance du {long_date(session.date)} : {session.status.value}"
    current = session.item(session.current_item) if session.current_item else None
    if current is not None:
        position = next((n for n, i in enumerate(session.agenda(), 1) if i.id == current.id), None)
        line += f", point {position} en discussion" if position else ""
    return line


class Watchdog(QObject):
    """WATCHDOG=1 every ``interval_ms`` from the thread that owns it (the GUI's)."""

    def __init__(self, interval_ms: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pings = 0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms or ping_interval_ms())
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        self._on_timer_timeout()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _on_timer_timeout(self) -> None:
        if sd_notify("WATCHDOG=1"):
            self.pings += 1


__all__ = ["DEFAULT_PING_MS", "Watchdog", "ping_interval_ms", "sd_notify", "status_line"]
