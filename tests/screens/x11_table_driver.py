"""The table's views on a real X server, for tests/screens/test_displays_x11.py.

Run as ``python tests/screens/x11_table_driver.py DATA_DIR`` with
``QT_QPA_PLATFORM=xcb`` and ``DISPLAY`` set: it builds the demo commune's
configuration in ``DATA_DIR`` (master on ``DP-1``, seats on ``DP-2``, ``DP-3``,
``HDMI-A-1`` to ``HDMI-A-4``), convenes the demo session on a real SQLite
file, starts the real ``TableViews`` (full screen, not windowed) and answers
one line of stdin with one JSON line on stdout:

- ``snapshot``: the screens Qt knows, each view and each seat chooser (shown
  or not, on which screen, its geometry, its X window id, the global centre
  of its buttons, the dialogs it shows), the seats' quorum text, and every
  Python exception raised in a Qt slot so far;
- ``choose DISPLAY ROLE``: touch ROLE's button on the seat chooser of DISPLAY;
- ``tap ["ROLE", "TEXT"]``: touch the button reading TEXT on the view of ROLE;
- ``execute {"cmd": ...}``: one command through the views' ``SessionModel``;
- ``quit``: leave.

It prints ``{"ready": true}`` once the views are shown.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QObject,
    QRect,
    QSocketNotifier,
    Qt,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from demo import DEMO_SCRIPT, demo_config
from screens.app import TableViews, application
from screens.session_model import SessionModel
from table_app.council.engine import SessionEngine
from table_app.journal import Journal
from table_app.store import open_database

#: Python exceptions raised in Qt slots, and Qt's critical messages.
errors: list[str] = []
#: What Qt told the application: "added DP-2", "removed DP-2".
screen_events: list[str] = []


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    errors.append("".join(traceback.format_exception(kind, value, tb)))
    sys.__excepthook__(kind, value, tb)


def _qt_messages(kind: QtMsgType, _context: object, message: str) -> None:
    if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        errors.append(f"Qt: {message}")
    print(f"qt: {message}", file=sys.stderr, flush=True)


def _rect(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def _screen_name(screen: QScreen | None) -> str | None:
    """The screen's name; "(deleted)" if the view kept a screen Qt has destroyed."""
    if screen is None:
        return None
    try:
        return screen.name()
    except RuntimeError:
        return "(deleted)"


def _window(widget: QWidget, ask_qt: bool) -> dict[str, Any]:
    """What Qt says of a top-level window.

    ``qt_screen`` is the screen Qt has assigned to the window, asked only of
    the views: PySide6 ties the QScreen wrapper that ``QWindow.screen()`` or
    ``QWidget.screen()`` returns to that window, and invalidates it (for every
    holder, ``TableViews`` too) when the window is deleted, as a seat chooser
    is once used. ``at`` is the screen under the window's centre.
    """
    handle = widget.windowHandle()
    at = QGuiApplication.screenAt(widget.geometry().center()) if widget.isVisible() else None
    buttons = {
        button.text(): [
            button.mapToGlobal(button.rect().center()).x(),
            button.mapToGlobal(button.rect().center()).y(),
        ]
        for button in widget.findChildren(QPushButton)
        if button.isVisible()
    }
    return {
        "visible": widget.isVisible(),
        "full_screen": widget.isFullScreen(),
        "geometry": _rect(widget.geometry()),
        "qt_screen": (
            handle.screen().name() if ask_qt and handle is not None and handle.screen() else None
        ),
        "at": at.name() if at is not None else None,
        "window_id": int(widget.winId()) if handle is not None else None,
        "buttons": buttons,
    }


class BlockedWatch(QObject):
    """Which top-level windows a modal dialog blocks (Qt tells each one with
    ``WindowBlocked`` / ``WindowUnblocked``)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: set[QObject] = set()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.WindowBlocked:
            self.blocked.add(watched)
        elif event.type() == QEvent.Type.WindowUnblocked:
            self.blocked.discard(watched)
        return False


blocked_watch = BlockedWatch()


def snapshot(views: TableViews) -> dict[str, Any]:
    result: dict[str, Any] = {
        "screens": {s.name(): _rect(s.geometry()) for s in QGuiApplication.screens()},
        "views": {},
        "choosers": {name: _window(w, ask_qt=False) for name, w in views.extra.items()},
        "errors": list(errors),
        "screen_events": list(screen_events),
    }
    for role, view in views.views.items():
        entry = _window(view.widget, ask_qt=True)
        entry["display"] = view.display
        entry["screen"] = _screen_name(view.screen)
        screen: Any = view.widget  # MasterScreen or SeatScreen: both have a header
        entry["quorum"] = screen.header.quorum.text()
        entry["blocked"] = view.widget in blocked_watch.blocked
        entry["dialogs"] = [
            {
                "title": dialog.windowTitle(),
                "modality": dialog.windowModality().name,
                **_window(dialog, ask_qt=False),
            }
            for dialog in view.widget.findChildren(QDialog)
            if dialog.isVisible()
        ]
        result["views"][role] = entry
    return result


def choose(views: TableViews, display: str, role: str) -> bool:
    """Touch the button of ``role`` on the seat chooser of ``display``."""
    chooser = views.extra.get(display)
    button = (
        next((b for b in chooser.findChildren(QPushButton) if b.text() == role), None)
        if chooser is not None
        else None
    )
    if button is None:
        return False
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    return True


def tap(view: QWidget, text: str) -> bool:
    """Touch the visible button of ``view`` that reads ``text``."""
    button = next(
        (b for b in view.findChildren(QPushButton) if b.text() == text and b.isVisible()), None
    )
    if button is None:
        return False
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    return True


def main(argv: list[str]) -> int:
    sys.excepthook = _excepthook
    qInstallMessageHandler(_qt_messages)
    app = application(["x11-table-driver"])
    app.screenAdded.connect(lambda screen: screen_events.append(f"added {screen.name()}"))
    app.screenRemoved.connect(lambda screen: screen_events.append(f"removed {screen.name()}"))
    config = demo_config(Path(argv[1]))
    db = open_database(config.database_url)
    engine = SessionEngine(Journal(db), config)
    convene = json.loads(
        next(
            line
            for line in DEMO_SCRIPT.read_text(encoding="utf-8").splitlines()
            if line.startswith("{")
        )
    )
    convene["id"] = "s"
    engine.execute(convene, author="president")
    model = SessionModel(engine)
    views = TableViews(config, model)
    for view in views.views.values():
        view.widget.installEventFilter(blocked_watch)
    views.show()

    def reply(data: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(data) + "\n")
        sys.stdout.flush()

    def on_stdin() -> None:
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            notifier.setEnabled(False)
            app.quit()
            return
        request, _, argument = line.strip().partition(" ")
        try:
            reply(answer(request, argument))
        except Exception:  # a broken request must not leave the test waiting
            reply({"failed": traceback.format_exc()})

    def answer(request: str, argument: str) -> dict[str, Any]:
        if request == "snapshot":
            return snapshot(views)
        if request == "choose":
            display, _, role = argument.partition(" ")
            return {"chosen": choose(views, display, role)}
        if request == "tap":
            role, text = json.loads(argument)
            return {"tapped": tap(views.views[role].widget, text)}
        if request == "execute":
            return {"accepted": model.execute(json.loads(argument)) is not None}
        return {"failed": f"unknown request {request!r}"}

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_stdin)
    reply({"ready": True, "platform": QGuiApplication.platformName(), "pid": os.getpid()})
    code = int(app.exec())
    model.close()
    db.dispose()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
