"""GUI work that can wait for the next pass of the event loop, one piece a pass.

Seven views in one process are told of the same change at once (a page the
mayor projects, a document dropped in the folder): done in one pass of the
event loop, their redraws would hold the GUI thread for all seven windows in a
row (a dropped frame, a touch answered late). Through the ``Pacer`` each one
runs in a pass of its own, and the loop handles input and timers in between.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class Pacer(QObject):
    """Runs the work posted to it one piece per pass of the event loop.

    A piece is keyed by its owner and kind: posted again before it ran, it
    keeps its place in line and runs once (the latest work posted).
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending: OrderedDict[tuple[int, str], Callable[[], object]] = OrderedDict()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._on_timer_timeout)

    def post(self, owner: object, kind: str, work: Callable[[], object]) -> None:
        self._pending[(id(owner), kind)] = work
        if not self._timer.isActive():
            self._timer.start()

    def pending(self) -> int:
        """How many pieces wait for their pass (0: everything is drawn)."""
        return len(self._pending)

    def _on_timer_timeout(self) -> None:
        if not self._pending:
            return
        _key, work = self._pending.popitem(last=False)
        if self._pending:
            self._timer.start()
        with contextlib.suppress(RuntimeError):  # its widget was deleted meanwhile
            work()


_instance: Pacer | None = None


def pacer() -> Pacer:
    """The one pacer of the GUI thread (made on first use, once Qt runs)."""
    global _instance
    if _instance is None:
        _instance = Pacer()
    return _instance


class WindowPaints(QObject):
    """Paints the table's windows one per pass of the event loop.

    An event changes what the seven views show: Qt would repaint the seven
    1920x1080 windows in one pass (their update requests are posted together),
    5 to 15 ms each, and hold the GUI thread 40 to 100 ms. Installed on each
    window, this takes the window's update request and hands it to the
    ``Pacer``: the windows are painted one after the other, a pass each, and
    touches and timers are served in between. Qt merges what changes
    meanwhile into the one repaint (the request keeps the dirty region).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._passing: QWidget | None = None  # the request handed back to Qt now

    def watch(self, window: QWidget) -> None:
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() != QEvent.Type.UpdateRequest or watched is self._passing:
            return False
        if isinstance(watched, QWidget):
            window = watched
            pacer().post(window, "window paint", lambda: self._paint(window))
            return True
        return False

    def _paint(self, window: QWidget) -> None:
        self._passing = window
        try:
            QCoreApplication.sendEvent(window, QEvent(QEvent.Type.UpdateRequest))
        finally:
            self._passing = None


__all__ = ["Pacer", "WindowPaints", "pacer"]
