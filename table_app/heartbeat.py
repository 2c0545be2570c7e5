"""What the running table says about itself: its lock and its heartbeat file.

The kiosk (``table-app run``) holds an exclusive ``flock`` on
``<data_dir>/table.lock`` for as long as it runs: ``table-app restore`` takes
the same lock and refuses when it cannot, and a kiosk starting during a
restore waits for it. The lock goes with the process, even when it is killed.

Every two seconds, from a QTimer on its GUI thread (``screens.kiosk_health``),
the kiosk writes ``<data_dir>/etat-table.json``, which ``table-app status``
reads::

    {
      "format": 1,
      "written_at": "2026-11-28T19:05:02Z",    # UTC; older than 30 s: the table is stopped
      "started_at": "2026-11-28T18:40:11Z",
      "pid": 4242,
      "stopped": false,                        # true: written once at a clean exit
      "displays": [                            # one per view, in the configuration's order
        {"display": "DP-1", "view": "Écran du maire", "connected": true},
        {"display": "HDMI-A-4", "view": "Siège 6", "connected": false}
      ],
      "watcher": {"running": true, "mode": "inotify", "folder": "/srv/mairie/Conseil"},
      "seats": {"port": 8443, "connected": ["AB:CD:…"]}   # null when not serving seats
    }

It is written without fsync (a temporary file renamed over it): it is a sign
of life, not a record, and the GUI thread must not wait on the disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

log = logging.getLogger("table_app.heartbeat")

HEARTBEAT_FILE = "etat-table.json"
LOCK_FILE = "table.lock"
#: A heartbeat older than this: the table is stopped (or frozen).
STALE_AFTER_S = 30.0
FORMAT = 1


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class DisplayState:
    """One view of the table and whether its display is plugged in."""

    display: str  # the connector's name, as the configuration writes it
    view: str  # "Écran du maire", or the seat's name
    connected: bool


@dataclass(frozen=True)
class WatcherState:
    """The document folder's watcher."""

    running: bool
    mode: str  # "inotify", or "polling" when inotify has no watch left
    folder: str


@dataclass(frozen=True)
class SeatsState:
    """The feed server for seats on the network."""

    port: int | None
    connected: tuple[str, ...]  # fingerprints of the seat devices connected now


@dataclass(frozen=True)
class Heartbeat:
    written_at: datetime
    started_at: datetime
    pid: int
    displays: tuple[DisplayState, ...] = ()
    watcher: WatcherState | None = None
    seats: SeatsState | None = None
    stopped: bool = False

    def age(self, now: datetime) -> float:
        """Seconds since it was written (negative if the clock went back)."""
        return (now - self.written_at).total_seconds()

    def alive(self, now: datetime) -> bool:
        """The table is running: not stopped, and written less than 30 s ago."""
        return not self.stopped and -STALE_AFTER_S < self.age(now) <= STALE_AFTER_S

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "written_at": _iso(self.written_at),
            "started_at": _iso(self.started_at),
            "pid": self.pid,
            "stopped": self.stopped,
            "displays": [
                {"display": d.display, "view": d.view, "connected": d.connected}
                for d in self.displays
            ],
            "watcher": (
                None
                if self.watcher is None
                else {
                    "running": self.watcher.running,
                    "mode": self.watcher.mode,
                    "folder": self.watcher.folder,
                }
            ),
            "seats": (
                None
                if self.seats is None
                else {"port": self.seats.port, "connected": list(self.seats.connected)}
            ),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Heartbeat:
        watcher = raw.get("watcher")
        seats = raw.get("seats")
        return cls(
            written_at=_parse(str(raw["written_at"])),
            started_at=_parse(str(raw.get("started_at") or raw["written_at"])),
            pid=int(raw.get("pid") or 0),
            displays=tuple(
                DisplayState(str(d["display"]), str(d["view"]), bool(d["connected"]))
                for d in raw.get("displays") or []
            ),
            watcher=(
                None
                if not isinstance(watcher, dict)
                else WatcherState(
                    bool(watcher["running"]), str(watcher["mode"]), str(watcher["folder"])
                )
            ),
            seats=(
                None
                if not isinstance(seats, dict)
                else SeatsState(
                    int(seats["port"]) if seats.get("port") is not None else None,
                    tuple(str(f) for f in seats.get("connected") or []),
                )
            ),
            stopped=bool(raw.get("stopped", False)),
        )


def write_heartbeat(path: Path, heartbeat: Heartbeat) -> None:
    """Replace ``path`` with ``heartbeat`` (temporary file renamed, no fsync)."""
    data = json.dumps(heartbeat.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_heartbeat(path: Path) -> Heartbeat | None:
    """The heartbeat in ``path``; None when there is none or it cannot be read."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Heartbeat.from_json(raw)
    except (OSError, ValueError, KeyError, TypeError):
        return None


class HeartbeatWriter:
    """Writes the kiosk's heartbeat from what it is told: call ``beat`` every
    few seconds (from the GUI thread: a frozen loop stops the heartbeat too),
    and ``stop`` once at a clean exit.

    ``displays``, ``watcher`` and ``seats`` are asked at each beat; a beat
    never raises (a full disk is logged once, and the table goes on)."""

    def __init__(
        self,
        data_dir: Path,
        displays: Callable[[], Sequence[DisplayState]],
        watcher: Callable[[], WatcherState | None] = lambda: None,
        seats: Callable[[], SeatsState | None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path = data_dir / HEARTBEAT_FILE
        self._displays = displays
        self._watcher = watcher
        self._seats = seats
        self._clock = clock
        self.started_at = clock()
        self._failed = False

    def current(self, stopped: bool = False) -> Heartbeat:
        return Heartbeat(
            written_at=self._clock(),
            started_at=self.started_at,
            pid=os.getpid(),
            displays=tuple(self._displays()),
            watcher=self._watcher(),
            seats=self._seats(),
            stopped=stopped,
        )

    def beat(self) -> None:
        self._write(stopped=False)

    def stop(self) -> None:
        self._write(stopped=True)

    def _write(self, stopped: bool) -> None:
        try:
            write_heartbeat(self.path, self.current(stopped))
        except Exception as error:
            if not self._failed:
                log.warning("État de la table non écrit (%s) : %s", self.path, error)
            self._failed = True
        else:
            if self._failed:
                log.info("État de la table de nouveau écrit (%s)", self.path)
            self._failed = False


# --- the table's lock ----------------------------------------------------------


@dataclass
class TableLock:
    """An exclusive lock on ``<data_dir>/table.lock``, held until ``release``."""

    path: Path
    _handle: TextIO | None = field(default=None, repr=False)

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> TableLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def hold_table_lock(data_dir: Path) -> TableLock:
    """Take the table's lock, waiting for whoever holds it: the kiosk, for as
    long as it runs (a kiosk started during a restore waits for its end)."""
    lock = _lock(data_dir, fcntl.LOCK_EX)
    assert lock is not None  # a blocking flock returns only once it holds the lock
    return lock


def try_table_lock(data_dir: Path) -> TableLock | None:
    """Take the table's lock now, or None if someone holds it (a restore
    refuses while the table runs)."""
    return _lock(data_dir, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _lock(data_dir: Path, flags: int) -> TableLock | None:
    path = data_dir / LOCK_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    writable = True
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o664)
    except PermissionError:  # made by another user (root's restore): a lock all the same
        fd = os.open(path, os.O_RDONLY)
        writable = False
    handle = os.fdopen(fd, "r+" if writable else "r", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), flags)
        except BlockingIOError:
            handle.close()
            return None
        if writable:  # who holds it, for a person looking
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
    except BaseException:
        handle.close()
        raise
    return TableLock(path, handle)


def table_lock_held(data_dir: Path) -> bool:
    """Someone (the kiosk, a restore) holds the table's lock now."""
    try:
        handle = open(data_dir / LOCK_FILE, encoding="utf-8")  # noqa: SIM115
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return False
