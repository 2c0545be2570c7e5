"""The table: one view per display, built on one engine, one library, one renderer.

Windows are keyed by their display's connector name (``QScreen.name()``), as
the configuration names them, never by screen index. A display unplugged
during the session hides its window (it does not fall onto another screen);
when it comes back, its view returns. A display the configuration does not
name shows the seat chooser. ``windowed`` arranges the seven views as windows
on one screen (a laptop, or a test).
"""

from __future__ import annotations

import gc
import logging
import math
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

from screens.master_view import MasterScreen
from screens.pacing import WindowPaints
from screens.private_notes import table_notes
from screens.seat_view import SeatScreen, ViewerFactory
from screens.session_model import SessionModel
from screens.widgets import label, stylesheet
from table_app.config import Config, Seat

if TYPE_CHECKING:
    from screens.seat_service import SeatService

log = logging.getLogger("screens")

#: The size the views are designed for (23" 1920x1080 screens).
VIEW_SIZE = (1920, 1080)
#: The diagonal of the table's screens, in inches: with ``VIEW_SIZE``, the size
#: of a pixel (``mm_per_pixel``), from which text and touch targets are measured.
SCREEN_DIAGONAL_INCHES = 23.0


def mm_per_pixel() -> float:
    """The side of one logical pixel of a view on its screen, in millimetres
    (about 0.265 mm on a 23" 1920x1080 screen)."""
    width, height = VIEW_SIZE
    return SCREEN_DIAGONAL_INCHES * 25.4 / math.hypot(width, height)


@dataclass
class View:
    """One role's window: "master" or a seat name, and the display it belongs on."""

    role: str
    display: str
    widget: QWidget
    screen: QScreen | None = None


class SeatChooser(QWidget):
    """Shown on a display the configuration does not name: pick what it shows."""

    def __init__(
        self, display: str, roles: list[str], choose: Any, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.addWidget(label(f"Écran « {display} » non configuré", "itemTitle"))
        layout.addWidget(label("Choisissez ce que cet écran affiche (menu d'administration) :"))
        for role in roles:
            button = QPushButton("Écran du maire" if role == "master" else role)
            button.clicked.connect(lambda _c=False, r=role: choose(display, r))
            layout.addWidget(button)
        layout.addStretch(1)


class TableViews(QObject):
    """The seven views of a one-PC table, and where each one is shown.

    Attributes:
        views: by role ("master", then each seat's name).
        windowed: the views are windows on one screen instead of full screens.
        seats: the seat service when the table serves seats on the network;
            the master screen administers it ("Sièges en réseau").
        notes: where the seats' private notes go (None: the table has no
            document library, the seats show no "Annoter").
    """

    def __init__(
        self,
        config: Config,
        model: SessionModel,
        viewer_factory: ViewerFactory | None = None,
        windowed: bool = False,
        seats: SeatService | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.model = model
        self.viewer_factory = viewer_factory
        self.windowed = windowed
        self.seats = seats
        self.notes = table_notes(config, model.library, seats.notes if seats else None, self)
        self.views: dict[str, View] = {}
        self.extra: dict[str, QWidget] = {}
        commune = config.commune.name
        master = MasterScreen(
            model,
            commune,
            config.admin_pin,
            config=config,
            viewer_factory=viewer_factory,
            seats=seats,
        )
        master.paced = True  # the tab shown redrawn on an event, the others when touched
        self.views["master"] = View("master", config.master_display, master)
        if windowed:  # "Identifier les écrans" marks the windows, not the laptop's screen
            master.view_windows = self.view_windows
        for seat in config.seats:
            self.views[seat.name] = View(seat.name, seat.display, self._seat_view(seat))
        #: the windows painted one per pass of the event loop (screens.pacing)
        self.paints = WindowPaints(self)
        for view in self.views.values():
            view.widget.setWindowTitle(
                f"{commune} — {'écran du maire' if view.role == 'master' else view.role}"
            )
            self.paints.watch(view.widget)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenAdded.connect(self._on_app_screen_added)
            app.screenRemoved.connect(self._on_app_screen_removed)

    def view_windows(self) -> list[tuple[str, str, QWidget]]:
        """(role, display it stands for, window) of each view, the mayor's first."""
        return [(v.role, v.display, v.widget) for v in self.views.values()]

    def _seat_view(self, seat: Seat) -> SeatScreen:
        view = SeatScreen(
            seat, self.model, self.config.commune.name, self.viewer_factory, notes=self.notes
        )
        view.paced = True  # six seats told of each event at once: one redrawn per pass
        return view

    # --- placement ---------------------------------------------------------

    def show(self) -> None:
        if self.windowed:
            self._show_windowed()
            return
        for screen in QGuiApplication.screens():
            self._place_on(screen)
        for view in self.views.values():
            if view.screen is None:
                log.warning(
                    "Écran « %s » (%s) absent : sa vue attend qu'il soit branché",
                    view.display,
                    view.role,
                )

    def _show_windowed(self) -> None:
        """Seven windows on one screen, each laid out as on its 1920x1080 screen
        (``windowed_scale`` shrinks them all), four columns, overlapping."""
        screen = QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen else None
        width, height = VIEW_SIZE
        for n, view in enumerate(self.views.values()):
            view.widget.setWindowFlag(Qt.WindowType.FramelessWindowHint, False)
            view.widget.resize(width, height)
            if area is not None:
                col, row = n % 4, n // 4
                view.widget.move(
                    area.x() + col * area.width() // 5, area.y() + row * area.height() // 3
                )
            view.widget.show()

    def _place_on(self, screen: QScreen) -> None:
        name = screen.name()
        view = next((v for v in self.views.values() if v.display == name), None)
        if view is None:
            self._show_chooser(screen)
            return
        view.screen = screen
        _fill(view.widget, screen)
        log.info("Vue « %s » sur l'écran %s", view.role, name)

    def _show_chooser(self, screen: QScreen) -> None:
        name = screen.name()
        chooser = SeatChooser(name, list(self.views), self._on_chooser_chosen)
        _fill(chooser, screen)  # a kiosk screen like the others: no frame, no desktop
        self.extra[name] = chooser

    def _on_chooser_chosen(self, display: str, role: str) -> None:
        chooser = self.extra.pop(display, None)
        if chooser is not None:
            chooser.close()
        view = self.views[role]
        view.display = display
        for screen in QGuiApplication.screens():
            if screen.name() == display:
                self._place_on(screen)

    def _on_app_screen_added(self, screen: QScreen) -> None:
        log.info("Écran branché : %s", screen.name())
        if not self.windowed:
            self._place_on(screen)

    def _on_app_screen_removed(self, screen: QScreen) -> None:
        name = screen.name()
        log.warning("Écran débranché : %s", name)
        for view in self.views.values():
            if view.screen is screen or view.display == name:
                view.screen = None
                if not self.windowed:
                    view.widget.hide()  # never let it fall onto another screen
        chooser = self.extra.pop(name, None)
        if chooser is not None:
            chooser.close()


def _fill(window: QWidget, screen: QScreen) -> None:
    """Show ``window`` frameless and full screen on ``screen``."""
    window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
    # Choose the screen before the window is first shown, then move it
    # there: setScreen alone does not move a window on a virtual desktop.
    window.create()
    handle = window.windowHandle()
    if handle is not None:
        handle.setScreen(screen)
    window.setGeometry(screen.geometry())
    window.showFullScreen()


def windowed_scale() -> None:
    """Draw the views at half size on a desktop (``QT_SCALE_FACTOR`` wins if
    set): a 1920x1080 view is then a 960x540 window. Call before
    ``application()``."""
    os.environ.setdefault("QT_SCALE_FACTOR", "0.5")


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the table's theme (created once).

    Python's cyclic garbage collector may run on any thread that allocates;
    run on a render or sync thread, it would free Qt widgets off the GUI
    thread and crash the table. Automatic collection is turned off and done
    from a timer on the GUI thread instead.
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        # Qt fills a large rectangle (a window's background, a scroll bar) by
        # handing slices of it to a pool of threads and waiting for them. On
        # the table's few cores, busy with seven views or a seat's feed, the
        # wait is longer than the fill: a scroll bar took 2.9 ms to paint, 0.45
        # without the pool; each event cost a seat 3.5 ms of CPU, 3.25 without.
        os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
        app = QApplication(argv or ["table-app"])
        _make_qt_types()
        gc.disable()
        collector = QTimer(app)
        collector.timeout.connect(_collect)
        collector.start(1000)
    app.setStyleSheet(stylesheet())
    return app


def _make_qt_types() -> None:
    """Make every Python class of the Qt modules loaded, at start (0.1–0.2 s).

    PySide6 makes its classes lazily. The first time an object of a class
    Python has never seen crosses over (a list's viewport, of Qt's private
    class), shiboken looks for its type through every class of the module
    not made yet, and makes them all with their enums: 10–26 ms in one go,
    which fell on the session's first event (the ordre du jour laid out on
    the seats), the first point taken up, the closing, and stalled the
    mayor's screen and the feed.
    """
    for name, module in list(sys.modules.items()):
        if name.startswith("PySide6.Qt") and module is not None:
            for attribute in dir(module):
                getattr(module, attribute)


_collections = 0


#: Seconds after the start when what the table built to start (modules, views,
#: the journal's state) is set aside from the collections to come.
FREEZE_AFTER_S = 10


def _collect() -> None:
    global _collections
    _collections += 1
    if _collections == FREEZE_AFTER_S:
        freeze_startup_objects()
    else:
        gc.collect(2 if _collections % 60 == 0 else 0)


def freeze_startup_objects() -> None:
    """What the start made is never traversed again (``gc.freeze``): the full
    collection each minute then walks the session's objects only, not the
    120,000 to 140,000 the start made (measured: 60 ms of GUI thread each
    minute otherwise, frames dropped; 0.1 ms after). Done once,
    ``FREEZE_AFTER_S`` after the start.

    No full collection first: measured at that point, it freed nothing and held
    the GUI thread 66 ms, on a seat often while a session's event came in. The
    youngest objects are collected, the rest set aside as they are.
    """
    gc.collect(0)
    gc.freeze()
