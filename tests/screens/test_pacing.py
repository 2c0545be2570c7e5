"""The table's windows are repainted one per pass of the event loop, and no
repaint is lost on the way."""

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from screens.pacing import WindowPaints, pacer


class _Window(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0
        self.resize(400, 300)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        self.paints += 1


def test_two_windows_changed_together_are_painted_in_turn(qtbot: QtBot) -> None:
    paints = WindowPaints()
    windows = [_Window(), _Window()]
    for window in windows:
        qtbot.addWidget(window)
        paints.watch(window)
        window.show()
    qtbot.waitUntil(lambda: all(w.paints > 0 for w in windows) and pacer().pending() == 0)
    for window in windows:
        window.paints = 0
        window.update()
    # Their update requests are taken from Qt's queue and handed to the pacer:
    # neither window is painted in the pass that asked.
    QCoreApplication.sendPostedEvents()
    assert [w.paints for w in windows] == [0, 0]
    assert pacer().pending() == 2
    # Then each one in a pass of its own, once.
    qtbot.waitUntil(lambda: pacer().pending() == 0)
    qtbot.wait(50)
    assert [w.paints for w in windows] == [1, 1]
