"""Watch the commune's folder with watchdog (inotify), or by polling.

The watchdog handler only puts what happened on a queue: all the work is done
by ``sync.service.DocumentSync`` on its own thread. inotify reports a file
when it appears, before the scanner or the cloud client has finished writing
it; the close-write event says it is complete.

If inotify has no watch left (``fs.inotify.max_user_watches``) or no instance
left, the watcher falls back to polling and says so in the log; the periodic
full scan of the service catches anything a watch could not see. watchdog
silently skips a sub-folder it cannot watch, so the capacity is checked
first, by asking the kernel for one watch per folder on a scratch instance.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

log = logging.getLogger("sync.watcher")


@dataclass(frozen=True)
class FolderChange:
    """One thing the folder did, as the watcher saw it.

    ``kind`` is "closed" (written and closed: complete), "changed" (created or
    modified: maybe still being written), "deleted" or "moved".
    """

    kind: str
    path: Path
    is_dir: bool = False
    dest: Path | None = None


Sink = Callable[[FolderChange], None]


_IN_CREATE = 0x100
_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def inotify_capacity_error(folder: Path) -> OSError | None:
    """Whether inotify can watch every folder of the tree; the error if not."""
    fd = _libc.inotify_init1(os.O_CLOEXEC)
    if fd < 0:
        code = ctypes.get_errno()
        return OSError(code, os.strerror(code))
    try:
        for root, _dirs, _files in os.walk(folder):
            if _libc.inotify_add_watch(fd, os.fsencode(root), _IN_CREATE) < 0:
                code = ctypes.get_errno()
                if code in (errno.ENOSPC, errno.ENOMEM):
                    return OSError(code, "plus de surveillance inotify disponible")
    finally:
        os.close(fd)
    return None


def _decode(path: str | bytes) -> Path:
    return Path(path.decode() if isinstance(path, bytes) else path)


class _Handler(FileSystemEventHandler):
    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        path = _decode(event.src_path)
        kind = event.event_type
        if kind == EVENT_TYPE_CLOSED:
            self._sink(FolderChange("closed", path))
        elif kind in (EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED):
            if not event.is_directory or kind == EVENT_TYPE_CREATED:
                self._sink(FolderChange("changed", path, event.is_directory))
        elif kind == EVENT_TYPE_DELETED:
            self._sink(FolderChange("deleted", path, event.is_directory))
        elif kind == EVENT_TYPE_MOVED:
            self._sink(FolderChange("moved", path, event.is_directory, _decode(event.dest_path)))


class FolderWatcher:
    """Watches ``folder`` recursively, folders created later included.

    Attributes:
        mode: "inotify", or "polling" after a fallback or when asked for.
    """

    def __init__(
        self, folder: Path, sink: Sink, *, polling: bool = False, poll_interval: float = 1.0
    ) -> None:
        self.folder = folder
        self.mode = "polling" if polling else "inotify"
        self._sink = sink
        self._poll_interval = poll_interval
        self._observer: BaseObserver | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.mode == "inotify":
            try:
                error = inotify_capacity_error(self.folder)
                if error is not None:
                    raise error
                self._observer = self._start(Observer())
                return
            except OSError as error:
                if error.errno not in (errno.ENOSPC, errno.EMFILE, errno.ENOMEM):
                    raise
                self._fall_back(error)
        self._observer = self._start(PollingObserver(timeout=self._poll_interval))

    @property
    def running(self) -> bool:
        """The watch is live (its observer thread is running)."""
        observer = self._observer
        return observer is not None and observer.is_alive()

    def check(self) -> None:
        """Switch to polling if inotify can no longer watch the whole tree
        (folders were added since the start); called by the periodic scan."""
        if self.mode != "inotify" or self._observer is None:
            return
        error = inotify_capacity_error(self.folder)
        if error is not None:
            self.stop()
            self._fall_back(error)
            self._observer = self._start(PollingObserver(timeout=self._poll_interval))

    def _fall_back(self, error: OSError) -> None:
        log.warning(
            "inotify indisponible (%s) : surveillance du dossier %s par scrutation toutes "
            "les %.1f s. Augmentez fs.inotify.max_user_watches pour revenir à la détection "
            "immédiate.",
            error.strerror or error,
            self.folder,
            self._poll_interval,
        )
        self.mode = "polling"

    def _start(self, observer: BaseObserver) -> BaseObserver:
        observer.schedule(_Handler(self._sink), str(self.folder), recursive=True)
        try:
            observer.start()
        except BaseException:
            observer.stop()
            raise
        return observer

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
