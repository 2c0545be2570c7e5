"""Displays plugged and unplugged on a real X server (Xvfb with RandR 1.5).

The tests' own Qt runs offscreen, where screens cannot come and go, so the
table runs in a subprocess on Qt's xcb platform (tests/screens/
x11_table_driver.py), against an Xvfb started here. Each "display" is a RandR
1.5 monitor made with ``xrandr --setmonitor NAME ...`` and removed with
``--delmonitor``: Qt 6's xcb platform makes one QScreen per monitor, named
after it, and emits ``screenAdded`` / ``screenRemoved`` when one is set or
deleted, as when a real display is plugged or unplugged. The demo commune's
configuration names the displays DP-1 (master), DP-2, DP-3, HDMI-A-1 to
HDMI-A-4 (seats).

What the table shows is checked twice: by the driver (Qt's view of it) and
here, from the X server itself (each window's map state and absolute
geometry, read with Xlib), so "hidden, not moved onto another screen" means
the X window is unmapped.

Xvfb runs with ``-noreset``: without it the server resets (and forgets the
monitors) whenever its last client leaves, e.g. between two ``xrandr`` runs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import queue
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("x11_table_driver.py")

pytestmark = pytest.mark.skipif(
    shutil.which("Xvfb") is None or shutil.which("xrandr") is None,
    reason="Xvfb and xrandr (Debian: xvfb, x11-xserver-utils) are needed for a real X server",
)

#: The X screen: four 1920x1080 displays in a 2x2 grid.
X_SCREEN = "3840x2160x24"
TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT = (
    (0, 0, 1920, 1080),
    (1920, 0, 1920, 1080),
    (0, 1080, 1920, 1080),
    (1920, 1080, 1920, 1080),
)
#: Waiting for the X server and the table: generous, never a measured delay.
TIMEOUT = 60.0

Rect = tuple[int, int, int, int]


# --- the X server --------------------------------------------------------


class _XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("border_width", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p),
        ("root", ctypes.c_ulong),
        ("class_", ctypes.c_int),
        ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


_IS_VIEWABLE = 2
_ErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


@dataclass(frozen=True)
class XWindow:
    """A window as the X server has it."""

    viewable: bool
    rect: Rect


class XServer:
    """An Xvfb of our own, its RandR monitors, and its windows read with Xlib."""

    def __init__(self) -> None:
        read_end, write_end = os.pipe()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        # -displayfd: Xvfb picks a free display number and writes it there.
        self.process = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_end),
                "-screen",
                "0",
                X_SCREEN,
                "+extension",
                "RANDR",
                "-nolisten",
                "tcp",
                "-noreset",
            ],
            pass_fds=(write_end,),
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        os.close(write_end)
        try:
            self.display = f":{self._display_number(read_end)}"
            self._open_xlib()
        except BaseException:
            self.close()
            raise

    def _display_number(self, read_end: int) -> int:
        number = b""
        with os.fdopen(read_end, "rb") as pipe:
            while not number.endswith(b"\n"):
                ready, _, _ = select.select([pipe], [], [], TIMEOUT)
                chunk = os.read(pipe.fileno(), 16) if ready else b""
                if not chunk:
                    self._log.seek(0)
                    log = self._log.read().decode(errors="replace")
                    pytest.fail(f"Xvfb did not start: {log}")
                number += chunk
        return int(number)

    def _open_xlib(self) -> None:
        xlib = ctypes.util.find_library("X11")
        if xlib is None:  # Qt's xcb platform links libX11: present wherever it runs
            pytest.fail("libX11 not found")
        self._x11 = ctypes.CDLL(xlib)
        self._x11.XOpenDisplay.restype = ctypes.c_void_p
        self._x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self._x11.XGetWindowAttributes.argtypes = [
            ctypes.c_void_p,
            ctypes.c_ulong,
            ctypes.POINTER(_XWindowAttributes),
        ]
        self._x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        # Xlib's default handler exits the process on BadWindow: just return.
        self._on_error = _ErrorHandler(lambda _display, _event: 0)
        self._x11.XSetErrorHandler(self._on_error)
        self._xdisplay = self._x11.XOpenDisplay(self.display.encode())
        assert self._xdisplay, f"cannot open the X display {self.display}"

    def xrandr(self, *args: str) -> None:
        subprocess.run(
            ["xrandr", *args],
            env={**os.environ, "DISPLAY": self.display},
            check=True,
            capture_output=True,
            timeout=TIMEOUT,
        )

    def plug(self, name: str, rect: Rect, output: str = "none") -> None:
        """A display of 508x286 mm (23") named ``name``, at ``rect``."""
        x, y, width, height = rect
        self.xrandr("--setmonitor", name, f"{width}/508x{height}/286+{x}+{y}", output)

    def unplug(self, name: str) -> None:
        self.xrandr("--delmonitor", name)

    def window(self, window_id: int) -> XWindow | None:
        """The window's map state and absolute geometry (no window manager runs,
        so top-level windows are children of the root); None if it is gone."""
        attributes = _XWindowAttributes()
        if not self._x11.XGetWindowAttributes(self._xdisplay, window_id, ctypes.byref(attributes)):
            return None
        return XWindow(
            attributes.map_state == _IS_VIEWABLE,
            (attributes.x, attributes.y, attributes.width, attributes.height),
        )

    def close(self) -> None:
        if getattr(self, "_xdisplay", None):
            self._x11.XCloseDisplay(self._xdisplay)
            self._xdisplay = None
        self.process.terminate()
        try:
            self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


# --- the table, in its own process ---------------------------------------


class Table:
    """The driver process: the real ``TableViews`` on the X server."""

    def __init__(self, x: XServer, data_dir: Path) -> None:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "xcb",
            "DISPLAY": x.display,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        env.pop("QT_SCALE_FACTOR", None)
        env.pop("WAYLAND_DISPLAY", None)
        self.process = subprocess.Popen(
            [sys.executable, str(DRIVER), str(data_dir)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._read, args=(self.process.stdout, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, False), daemon=True).start()
        try:
            ready = self._reply()
            assert ready.get("ready"), ready
            assert ready["platform"] == "xcb", ready
        except BaseException:
            self.process.kill()
            self.process.wait()
            raise

    def _read(self, stream: Any, replies: bool) -> None:
        for line in stream:
            (self._lines.put if replies else self._stderr.append)(line)

    def _reply(self) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=TIMEOUT)
        except queue.Empty:
            pytest.fail(f"the table does not answer; its output:\n{self.stderr()}")
        data: dict[str, Any] = json.loads(line)
        return data

    def stderr(self) -> str:
        return "".join(self._stderr)

    def ask(self, request: str) -> dict[str, Any]:
        assert self.process.poll() is None, f"the table stopped:\n{self.stderr()}"
        assert self.process.stdin is not None
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        reply = self._reply()
        assert "failed" not in reply, reply["failed"]
        return reply

    def tap(self, role: str, text: str) -> dict[str, Any]:
        return self.ask(f"tap {json.dumps([role, text])}")

    def snapshot(self) -> dict[str, Any]:
        return self.ask("snapshot")

    def wait_for(self, condition: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        """The first snapshot for which ``condition`` holds (polled, no timed assertion)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            state = self.snapshot()
            assert not state["errors"], "\n".join(state["errors"])
            if condition(state):
                return state
            if time.monotonic() > deadline:
                pytest.fail(f"never saw: {what}\nlast state: {json.dumps(state, indent=1)}")
            time.sleep(0.05)

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            try:
                self.process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def x_server() -> Iterator[XServer]:
    server = XServer()
    try:
        # The master's display takes Xvfb's only output ("screen"), so that
        # RandR does not add an automatic monitor for it over the whole X screen.
        server.plug("DP-1", TOP_LEFT, output="screen")
        server.plug("DP-2", TOP_RIGHT)
        server.plug("DP-3", BOTTOM_LEFT)
        yield server
    finally:
        server.close()


@pytest.fixture
def table(x_server: XServer, tmp_path: Path) -> Iterator[Table]:
    running = Table(x_server, tmp_path / "table")
    try:
        yield running
    finally:
        running.close()
    assert running.process.returncode == 0, running.stderr()


# --- helpers -------------------------------------------------------------


def shown_on(state: dict[str, Any], role: str, display: str, rect: Rect) -> bool:
    """Qt shows the view full screen on the display, filling it."""
    view = state["views"][role]
    return bool(
        view["visible"]
        and view["full_screen"]
        and view["screen"] == display
        and view["qt_screen"] == display
        and view["at"] == display
        and tuple(view["geometry"]) == rect
    )


def assert_on_x(x: XServer, window: dict[str, Any], rect: Rect) -> None:
    """The X server has the window mapped exactly over the display."""
    assert window["window_id"] is not None
    assert x.window(window["window_id"]) == XWindow(True, rect)


def assert_not_on_x(x: XServer, window: dict[str, Any]) -> None:
    """Nothing of the window is on any display: never created, unmapped or gone."""
    if window["window_id"] is not None:
        found = x.window(window["window_id"])
        assert found is None or not found.viewable, found


def wait_for_x(x: XServer, window_id: int, expected: XWindow | None) -> None:
    """The X server's side of a change Qt has made (it may still be in flight)."""
    deadline = time.monotonic() + TIMEOUT
    while (found := x.window(window_id)) != expected:
        if time.monotonic() > deadline:
            pytest.fail(f"X window {window_id}: {found}, expected {expected}")
        time.sleep(0.05)


# --- the tests -----------------------------------------------------------


def test_each_view_fills_the_display_the_configuration_names(
    table: Table, x_server: XServer
) -> None:
    state = table.wait_for(
        lambda s: (
            shown_on(s, "master", "DP-1", TOP_LEFT)
            and shown_on(s, "Siège 1", "DP-2", TOP_RIGHT)
            and shown_on(s, "Siège 2", "DP-3", BOTTOM_LEFT)
        ),
        "master on DP-1, Siège 1 on DP-2, Siège 2 on DP-3",
    )
    assert set(state["screens"]) == {"DP-1", "DP-2", "DP-3"}
    assert_on_x(x_server, state["views"]["master"], TOP_LEFT)
    assert_on_x(x_server, state["views"]["Siège 1"], TOP_RIGHT)
    assert_on_x(x_server, state["views"]["Siège 2"], BOTTOM_LEFT)
    # The seats whose displays are not plugged in wait, off every screen.
    for role in ("Siège 3", "Siège 4", "Siège 5", "Siège 6"):
        assert not state["views"][role]["visible"], role
        assert state["views"][role]["screen"] is None, role
        assert_not_on_x(x_server, state["views"][role])
    assert state["choosers"] == {}  # every display is named by the configuration

    # HDMI-A-1, absent at the start, is plugged in: Siège 3 appears on it.
    x_server.plug("HDMI-A-1", BOTTOM_RIGHT)
    state = table.wait_for(
        lambda s: shown_on(s, "Siège 3", "HDMI-A-1", BOTTOM_RIGHT), "Siège 3 on HDMI-A-1"
    )
    wait_for_x(x_server, state["views"]["Siège 3"]["window_id"], XWindow(True, BOTTOM_RIGHT))
    assert shown_on(state, "Siège 1", "DP-2", TOP_RIGHT)


def test_a_seat_display_unplugged_then_plugged_back(table: Table, x_server: XServer) -> None:
    state = table.wait_for(lambda s: shown_on(s, "Siège 1", "DP-2", TOP_RIGHT), "Siège 1 on DP-2")
    seat_window = state["views"]["Siège 1"]["window_id"]
    others = {role: state["views"][role]["window_id"] for role in ("master", "Siège 2")}

    x_server.unplug("DP-2")
    state = table.wait_for(
        lambda s: "DP-2" not in s["screens"] and not s["views"]["Siège 1"]["visible"],
        "DP-2 gone and Siège 1 hidden",
    )
    assert state["views"]["Siège 1"]["screen"] is None
    # Hidden, not moved onto another display: the X window is unmapped.
    wait_for_x(x_server, seat_window, XWindow(False, TOP_RIGHT))
    # The other views stay where they are.
    assert shown_on(state, "master", "DP-1", TOP_LEFT)
    assert shown_on(state, "Siège 2", "DP-3", BOTTOM_LEFT)
    assert x_server.window(others["master"]) == XWindow(True, TOP_LEFT)
    assert x_server.window(others["Siège 2"]) == XWindow(True, BOTTOM_LEFT)

    # The session goes on while the display is away.
    assert table.ask('execute {"cmd": "arrive", "member": "hmarchand"}') == {"accepted": True}

    x_server.plug("DP-2", TOP_RIGHT)
    # Back, and up to date (the seats redraw one per pass of the event loop).
    state = table.wait_for(
        lambda s: (
            shown_on(s, "Siège 1", "DP-2", TOP_RIGHT)
            and s["views"]["Siège 1"]["quorum"] == "Quorum non atteint : 1 présents / 8 requis"
        ),
        "Siège 1 back, up to date",
    )
    wait_for_x(x_server, seat_window, XWindow(True, TOP_RIGHT))

    # Once more, the display coming back somewhere else on the desktop.
    x_server.unplug("DP-2")
    table.wait_for(lambda s: not s["views"]["Siège 1"]["visible"], "Siège 1 hidden again")
    wait_for_x(x_server, seat_window, XWindow(False, TOP_RIGHT))
    x_server.plug("DP-2", BOTTOM_RIGHT)
    state = table.wait_for(
        lambda s: shown_on(s, "Siège 1", "DP-2", BOTTOM_RIGHT), "Siège 1 on DP-2, moved"
    )
    wait_for_x(x_server, seat_window, XWindow(True, BOTTOM_RIGHT))
    assert shown_on(state, "master", "DP-1", TOP_LEFT)
    assert shown_on(state, "Siège 2", "DP-3", BOTTOM_LEFT)


def test_a_display_the_configuration_does_not_name_shows_the_seat_chooser(
    table: Table, x_server: XServer
) -> None:
    table.wait_for(lambda s: shown_on(s, "master", "DP-1", TOP_LEFT), "the master")
    x_server.plug("DP-9", BOTTOM_RIGHT)
    state = table.wait_for(
        lambda s: "DP-9" in s["choosers"] and s["choosers"]["DP-9"]["visible"],
        "the seat chooser on DP-9",
    )
    chooser = state["choosers"]["DP-9"]
    assert chooser["at"] == "DP-9"
    assert tuple(chooser["geometry"]) == BOTTOM_RIGHT
    wait_for_x(x_server, chooser["window_id"], XWindow(True, BOTTOM_RIGHT))
    assert set(chooser["buttons"]) == {"Écran du maire"} | {f"Siège {n}" for n in range(1, 7)}
    # No view was put on the unknown display.
    assert all(v["screen"] != "DP-9" for v in state["views"].values())

    # The administrator chooses Siège 3 (whose own display is not plugged in).
    assert table.ask("choose DP-9 Siège 3") == {"chosen": True}
    state = table.wait_for(
        lambda s: shown_on(s, "Siège 3", "DP-9", BOTTOM_RIGHT) and "DP-9" not in s["choosers"],
        "Siège 3 on DP-9",
    )
    wait_for_x(x_server, state["views"]["Siège 3"]["window_id"], XWindow(True, BOTTOM_RIGHT))
    assert_not_on_x(x_server, chooser)

    x_server.unplug("DP-9")
    state = table.wait_for(lambda s: not s["views"]["Siège 3"]["visible"], "Siège 3 hidden")
    assert_not_on_x(x_server, state["views"]["Siège 3"])
    assert shown_on(state, "Siège 1", "DP-2", TOP_RIGHT)


def test_a_seat_dialog_opens_on_that_seat_display(table: Table, x_server: XServer) -> None:
    """No window manager places dialogs on the kiosk: Qt centres a dialog on
    its parent's window, so a seat's dialog is on that seat's display, modal
    to that window only (the other screens of the table keep working)."""
    table.wait_for(lambda s: shown_on(s, "Siège 2", "DP-3", BOTTOM_LEFT), "Siège 2 on DP-3")
    assert table.tap("Siège 2", "Proposer un point") == {"tapped": True}
    state = table.wait_for(lambda s: bool(s["views"]["Siège 2"]["dialogs"]), "the dialog")
    (dialog,) = state["views"]["Siège 2"]["dialogs"]
    assert dialog["title"] == "Proposer un point"
    assert dialog["modality"] == "WindowModal"
    assert dialog["at"] == "DP-3"
    x, y, width, height = dialog["geometry"]
    left, top, display_width, display_height = BOTTOM_LEFT
    assert left <= x
    assert x + width <= left + display_width
    assert top <= y
    assert y + height <= top + display_height
    wait_for_x(x_server, dialog["window_id"], XWindow(True, (x, y, width, height)))
    assert all(not v["dialogs"] for r, v in state["views"].items() if r != "Siège 2")

    # Only that seat waits for its dialog: the mayor's screen and the other
    # seats are not blocked by it.
    assert state["views"]["Siège 2"]["blocked"]
    assert not any(v["blocked"] for r, v in state["views"].items() if r != "Siège 2")

    assert table.tap("Siège 2", "Annuler") == {"tapped": True}
    state = table.wait_for(lambda s: not s["views"]["Siège 2"]["dialogs"], "the dialog closed")
    assert not state["views"]["Siège 2"]["blocked"]
