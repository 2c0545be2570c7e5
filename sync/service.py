"""Keep the store in step with the folder, on background threads.

``DocumentSync`` joins the watcher and the library:

* the watchdog thread only enqueues what it saw (``FolderChange``);
* the *ingest* thread waits until a file is complete, then lists it: on the
  close-write event after a short settle (the size and time must not move),
  otherwise after a quiet period with a stable size and time (a file moved in
  from outside, or polling); then it publishes ``document.added``;
* the *text* thread extracts and indexes page texts afterwards, so a long
  document is listed at once and searchable a little later.

A full scan at start reconciles the store with the folder (files added,
changed or removed while the table was off), and again every ``rescan_s``
seconds, so nothing is missed even when inotify cannot watch everything.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sync.library import Change, DocumentLibrary
from sync.watcher import FolderChange, FolderWatcher

log = logging.getLogger("sync.ingest")

_STOP = FolderChange("stop", Path())
_RESCAN = FolderChange("rescan", Path())


@dataclass
class _Pending:
    due: float
    size: int
    mtime: float
    quiet: float
    retries: int = 0


def _signature(path: Path) -> tuple[int, float] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_size, info.st_mtime


class DocumentSync:
    """Watches the library's folder and ingests what changes, off the GUI thread."""

    def __init__(
        self,
        library: DocumentLibrary,
        *,
        polling: bool = False,
        settle_s: float = 0.03,
        quiet_s: float = 0.5,
        rescan_s: float = 300.0,
        retry_s: float = 30.0,
    ) -> None:
        self.library = library
        self.watcher = FolderWatcher(library.folder, self._changes_put, polling=polling)
        self.settle_s = settle_s
        self.quiet_s = quiet_s
        self.rescan_s = rescan_s
        self.retry_s = retry_s
        self._changes: queue.Queue[FolderChange] = queue.Queue()
        self._texts: queue.Queue[str | None] = queue.Queue()
        self._pending: dict[Path, _Pending] = {}
        self._busy = 0
        self._idle = threading.Condition()
        self._threads: list[threading.Thread] = []

    # --- lifecycle ---------------------------------------------------------

    def start(self, scan: bool = True) -> None:
        """Start watching first, then scan: a file written during the scan is not lost."""
        self.watcher.start()
        self._threads = [
            threading.Thread(target=self._ingest_loop, name="sync-ingest", daemon=True),
            threading.Thread(target=self._text_loop, name="sync-text", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        if scan:
            self._changes_put(_RESCAN)

    def stop(self) -> None:
        self.watcher.stop()
        self._changes.put(_STOP)
        self._texts.put(None)
        for thread in self._threads:
            thread.join(timeout=30)
        self._threads = []

    def rescan(self) -> None:
        self._changes_put(_RESCAN)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until nothing is queued, pending or running (tests, command line)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while not self._is_idle():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(min(remaining, 0.05))
        return True

    def _is_idle(self) -> bool:
        return (
            self._busy == 0 and not self._pending and self._changes.empty() and self._texts.empty()
        )

    def _changes_put(self, change: FolderChange) -> None:
        self._changes.put(change)

    # --- ingest thread -----------------------------------------------------

    def _ingest_loop(self) -> None:
        next_rescan = time.monotonic() + self.rescan_s
        while True:
            timeout = self._next_due() - time.monotonic()
            try:
                change = self._changes.get(timeout=max(0.0, min(timeout, 1.0)))
            except queue.Empty:
                change = None
            with self._idle:
                self._busy += 1
            try:
                if change is _STOP:
                    return
                if change is not None:
                    self._on_change(change)
                self._ingest_due()
                if time.monotonic() >= next_rescan:
                    next_rescan = time.monotonic() + self.rescan_s
                    self._on_change(_RESCAN)
            except Exception:
                log.exception("Erreur pendant la synchronisation du dossier")
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    def _next_due(self) -> float:
        return min((p.due for p in self._pending.values()), default=time.monotonic() + 1.0)

    def _on_change(self, change: FolderChange) -> None:
        if change is _RESCAN:
            self._scan()
            return
        if change.kind == "closed":
            self._schedule(change.path, self.settle_s)
        elif change.kind == "changed":
            if change.is_dir:
                for path in self._files_under(change.path):
                    self._schedule(path, self.quiet_s)
            else:
                self._schedule(change.path, self.quiet_s)
        elif change.kind == "deleted":
            self._pending.pop(change.path, None)
            if change.is_dir:
                self._texts_for(self.library.remove_tree(change.path))
            else:
                self.library.remove(change.path)
        elif change.kind == "moved" and change.dest is not None:
            self._pending.pop(change.path, None)
            if change.is_dir:
                for path in self._files_under(change.dest):
                    source = change.path / path.relative_to(change.dest)
                    self._texts_for(self.library.move(source, path))
                self.library.remove_tree(change.path)
            else:
                self._texts_for(self.library.move(change.path, change.dest))

    def _files_under(self, folder: Path) -> list[Path]:
        found: list[Path] = []
        for root, dirs, names in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found.extend(Path(root) / n for n in names)
        return [p for p in found if self.library.wants(p)]

    def _schedule(self, path: Path, delay: float) -> None:
        if not self.library.wants(path):
            return
        signature = _signature(path)
        if signature is None:
            return
        previous = self._pending.get(path)
        due = time.monotonic() + delay
        if previous is not None and previous.quiet < delay:
            delay = previous.quiet  # a close-write already said it is complete
            due = min(previous.due, due)
        self._pending[path] = _Pending(due, signature[0], signature[1], delay)

    def _ingest_due(self) -> None:
        now = time.monotonic()
        for path, pending in sorted(self._pending.items(), key=lambda kv: kv[1].due):
            if pending.due > now:
                continue
            signature = _signature(path)
            if signature is None:
                del self._pending[path]
                continue
            if signature != (pending.size, pending.mtime):
                # Still being written: wait for it to be quiet.
                self._pending[path] = _Pending(
                    now + self.quiet_s, signature[0], signature[1], self.quiet_s
                )
                continue
            del self._pending[path]
            try:
                change = self.library.ingest(path)
            except OSError as error:
                self._retry(path, pending, error)
                continue
            self._texts_for([change] if change else [])

    def _retry(self, path: Path, pending: _Pending, error: OSError) -> None:
        log.error(
            "Impossible d'enregistrer %s : %s. Nouvel essai dans %.0f s ; rien de ce qui est "
            "déjà enregistré n'est perdu.",
            path,
            error.strerror or error,
            self.retry_s,
        )
        if pending.retries < 20:
            pending.due = time.monotonic() + self.retry_s
            pending.retries += 1
            self._pending[path] = pending

    def _scan(self) -> None:
        self.watcher.check()
        try:
            report = self.library.reconcile(index_texts=False)
        except OSError as error:
            log.error("Parcours complet du dossier impossible : %s", error.strerror or error)
            return
        if report.added or report.updated or report.removed or report.rejected:
            log.info(
                "Dossier parcouru : %d ajouté(s), %d modifié(s), %d retiré(s), %d refusé(s)",
                len(report.added),
                len(report.updated),
                len(report.removed),
                len(report.rejected),
            )
        for digest in self.library.pending_texts():
            self._texts.put(digest)

    def _texts_for(self, changes: list[Change]) -> None:
        if any(c.kind in ("added", "updated", "moved") for c in changes):
            for digest in self.library.pending_texts():
                self._texts.put(digest)

    # --- text thread -------------------------------------------------------

    def _text_loop(self) -> None:
        done: set[str] = set()
        while True:
            digest = self._texts.get()
            if digest is None:
                return
            with self._idle:
                self._busy += 1
            try:
                if digest not in done:
                    self.library.index_text(digest)
                    done.add(digest)
            except Exception:
                log.exception("Indexation du texte impossible (%s)", digest[:12])
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()
