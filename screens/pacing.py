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

from PySide6.QtCore import QObject, QTimer


class Pacer(QObject):
    """Runs the work posted to it one piece per pass of the event loop.

    A piece is keyed by its owner and kind: posted again before it ran, it
    keeps its place in line and runs once (the latest work posted).
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending: OrderedDict[tuple[int, str], Callable[[], None]] = OrderedDict()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._on_timer_timeout)

    def post(self, owner: object, kind: str, work: Callable[[], None]) -> None:
        self._pending[(id(owner), kind)] = work
        if not self._timer.isActive():
            self._timer.start()

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


__all__ = ["Pacer", "pacer"]
