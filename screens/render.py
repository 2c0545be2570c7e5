"""Page rendering outside the GUI thread's way: worker processes, a cache, previews.

PyMuPDF holds the GIL while it renders, so two render threads are no faster
than one and steal time from the GUI thread; two processes are 1.7 times
faster.  ``PageRenderer`` therefore keeps ``processes`` long-lived workers
(``sync.render_worker``, which imports no Qt, from the table's one fork server,
which has PyMuPDF and that module already imported: ``sync.workers``) and, for
each, one small Python thread that feeds it jobs and reads its answers:

- a job is a page of a document at a size (or the document's page sizes);
  each worker keeps its last few documents open, so flipping never reopens;
- the worker draws straight into a BGRA pixmap, which is byte for byte a
  ``QImage.Format_RGB32``: the thread reads the pixels from the pipe straight
  into the QImage's own buffer (``os.readv`` copies with the GIL released), so
  no conversion or copy ever runs on the GUI thread, which only receives the
  finished image through a queued signal;
- pending jobs are ordered by priority (visible page, then neighbours, then
  thumbnails) and, within a priority, newest first: a councillor flipping fast
  gets the page they stopped on; a job nobody wants any more is dropped before
  it starts, or, for a heavy page, between its preview and its full render;
- a page whose content is heavy (a dense vector plan) first gets a quick
  low-resolution preview (``page_previewed``), then the full render
  (``page_rendered``), both from one display list; its full render uses
  graphics anti-aliasing 4 (16 coverage levels) instead of 8, which halves
  the time of a plan and cannot be told apart at screen size;
- a job running past ``render_timeout_s`` gets its worker killed; a worker that
  dies is replaced; the page is reported with a French reason
  (``page_failed``) and the table carries on;
- finished images go into a cache bounded in bytes, least recently used first
  out.

Everything public runs on the GUI thread and never waits for a worker.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

from sync.render_worker import (
    BYTES_PER_PIXEL,
    EXIT_OUT_OF_MEMORY,
    REASON_MEMORY,
    Settings,
    worker_main,
)
from sync.worker_process import (
    BadAnswer,
    WorkerDied,
    WorkerFailure,
    WorkerInterrupted,
    WorkerProcess,
    WorkerTimedOut,
)
from sync.workers import forkserver_context, register_forkserver_preload

log = logging.getLogger("screens")

#: Lower runs sooner.  Within one priority the newest request runs first.
PRIORITY_DOCUMENT = -10
PRIORITY_VISIBLE = 0
PRIORITY_PREFETCH = 10
PRIORITY_THUMBNAIL = 20

DEFAULT_CACHE_BYTES = 128 * 2**20
# Replaced after this many jobs, so that whatever MuPDF keeps cannot pile up.
JOBS_PER_WORKER = 5000
# A worker's first start may also start the fork server (imports, ~0.5 s).
_START_TIMEOUT_S = 30.0
# Failed pages are remembered (a page that crashes a worker is not retried on
# every flip); bounded so a long session cannot grow it.
_FAILURES_KEPT = 512
_INFOS_KEPT = 64

# Imported once in the fork server, not by each worker it starts.
register_forkserver_preload("pymupdf", "sync.render_worker")

if sys.byteorder == "little":  # BGRA bytes are 0xAARRGGBB words: Format_RGB32
    _IMAGE_FORMAT = QImage.Format.Format_RGB32
else:  # big-endian: RGBA bytes
    _IMAGE_FORMAT = QImage.Format.Format_RGBA8888


# --- what is asked and what comes back -------------------------------------------------


class DocumentId(NamedTuple):
    """A document file as it is now: a new version of the file is a new id."""

    path: str
    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path) -> DocumentId:
        """The id of ``path`` (a missing file gets an id the worker will report as missing)."""
        try:
            info = path.stat()
        except OSError:
            return cls(str(path), -1, -1)
        return cls(str(path), info.st_mtime_ns, info.st_size)


class RenderKey(NamedTuple):
    """One rendered image: ``page`` (0-based) fitted into ``width`` x ``height``
    device pixels (0: unconstrained), or only the ``clip`` (x, y, w, h) of it."""

    document: DocumentId
    page: int
    width: int
    height: int
    clip: tuple[int, int, int, int] | None = None


class _InfoKey(NamedTuple):
    document: DocumentId


@dataclass(frozen=True)
class DocumentInfo:
    """What a viewer needs before it asks for pages: the size of each page.

    Attributes:
        document: the file and version this describes.
        page_sizes: (width, height) of each page in points, as displayed
            (rotation applied).
        title: the document's own title (metadata), often empty.
    """

    document: DocumentId
    page_sizes: tuple[tuple[float, float], ...]
    title: str

    @property
    def page_count(self) -> int:
        return len(self.page_sizes)


# --- the cache of rendered images --------------------------------------------------------


class ImageCache:
    """Rendered images by key, least recently used out first, bounded in bytes."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self._images: OrderedDict[RenderKey, QImage] = OrderedDict()
        self._bytes = 0

    def get(self, key: RenderKey) -> QImage | None:
        image = self._images.get(key)
        if image is not None:
            self._images.move_to_end(key)
        return image

    def put(self, key: RenderKey, image: QImage) -> None:
        size = image.sizeInBytes()
        old = self._images.pop(key, None)
        if old is not None:
            self._bytes -= old.sizeInBytes()
        if size > self.limit_bytes:
            return
        self._images[key] = image
        self._bytes += size
        while self._bytes > self.limit_bytes:
            _key, evicted = self._images.popitem(last=False)
            self._bytes -= evicted.sizeInBytes()

    def cached_keys(self) -> list[RenderKey]:
        """The cached keys, least recently used first."""
        return list(self._images)

    def clear(self) -> None:
        self._images.clear()
        self._bytes = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._images)


# --- the queue of jobs, shared by the GUI thread and the worker threads ---------------------


@dataclass(eq=False)
class _Entry:
    key: Hashable  # RenderKey or _InfoKey
    priority: int
    seq: int
    job_id: int
    wants: int = 1
    slot: _WorkerSlot | None = None  # set while a worker has it


class _JobQueue:
    """Pending jobs by priority then newest first, each wanted by a count of requests."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[int, int, _Entry]] = []
        self._entries: dict[Hashable, _Entry] = {}
        self._seq = itertools.count()
        self._closed = False

    def submit(self, key: Hashable, priority: int) -> None:
        with self._cond:
            entry = self._entries.get(key)
            if entry is not None:
                entry.wants += 1
                if entry.slot is None:  # still waiting: the newest request sets its place
                    entry.priority = min(entry.priority, priority)
                    entry.seq = next(self._seq)
                    heapq.heappush(self._heap, (entry.priority, -entry.seq, entry))
                    self._cond.notify()
                return
            seq = next(self._seq)
            entry = _Entry(key, priority, seq, job_id=seq)
            self._entries[key] = entry
            heapq.heappush(self._heap, (priority, -seq, entry))
            self._cond.notify()

    def cancel(self, key: Hashable) -> _Entry | None:
        """One request fewer for ``key``; the entry if a worker is on it and nobody wants it."""
        with self._cond:
            entry = self._entries.get(key)
            if entry is None:
                return None
            entry.wants -= 1
            if entry.wants > 0:
                return None
            if entry.slot is None:
                del self._entries[key]  # its heap item is now stale
                return None
            return entry

    def take(self, slot: _WorkerSlot) -> _Entry | None:
        """The most urgent job (blocking); None once closed."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                while self._heap:
                    priority, neg_seq, entry = heapq.heappop(self._heap)
                    # Skip what was withdrawn, taken, or pushed again since.
                    current = self._entries.get(entry.key) is entry and entry.slot is None
                    if current and priority == entry.priority and -neg_seq == entry.seq:
                        entry.slot = slot
                        return entry
                self._cond.wait()

    def finish(self, entry: _Entry, *, cancelled: bool = False) -> None:
        """The job is over; a cancelled one that was wanted again goes back in line."""
        with self._cond:
            if self._entries.get(entry.key) is not entry:
                return
            entry.slot = None
            if cancelled and entry.wants > 0:
                entry.seq = next(self._seq)
                heapq.heappush(self._heap, (entry.priority, -entry.seq, entry))
                self._cond.notify()
                return
            del self._entries[entry.key]

    def pending(self) -> int:
        """Jobs waiting or running."""
        with self._cond:
            return len(self._entries)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._entries.clear()
            self._cond.notify_all()

    def wait_closed(self, timeout_s: float) -> bool:
        with self._cond:
            if not self._closed:
                self._cond.wait(timeout_s)
            return self._closed


# --- messages from the worker threads to the GUI thread --------------------------------------


@dataclass(frozen=True)
class _Rendered:
    entry: _Entry
    image: QImage
    preview: bool


@dataclass(frozen=True)
class _Described:
    entry: _Entry
    info: DocumentInfo


@dataclass(frozen=True)
class _Failed:
    entry: _Entry
    code: str
    reason: str


@dataclass(frozen=True)
class _Cancelled:
    entry: _Entry


_Arrival = _Rendered | _Described | _Failed | _Cancelled


# --- the renderer ----------------------------------------------------------------------------


class PageRenderer(QObject):
    """Renders pages of documents (PDF, images) in worker processes, for every view.

    Shared by all the views of the process: a page that two seats show at the
    same size is rendered once.

    Attributes:
        cache: the rendered images, bounded to ``cache_bytes``.
        render_timeout_s: a job silent for longer gets its worker killed.

    Signals:
        page_rendered(RenderKey, QImage): the full render of a requested page.
        page_previewed(RenderKey, QImage): a quick low-resolution render of a
            heavy page, before its ``page_rendered``.
        page_failed(RenderKey, str): the page cannot be shown; the reason, in French.
        document_loaded(DocumentInfo): the answer to ``request_document``.
        document_failed(DocumentId, str): the document cannot be opened, in French.
    """

    page_rendered = Signal(object, QImage)
    page_previewed = Signal(object, QImage)
    page_failed = Signal(object, str)
    document_loaded = Signal(object)
    document_failed = Signal(object, str)

    # Emitted from the worker threads: delivered on the GUI thread (queued).
    _arrived = Signal(object)
    # Answers known at once (cache), delivered after the caller returns.
    _answered = Signal(object, object)

    def __init__(
        self,
        processes: int = 2,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        render_timeout_s: float = 10.0,
        *,
        memory_bytes: int = 1536 * 2**20,
        heavy_page_bytes: int = 256 * 2**10,
        heavy_aa_level: int = 4,
        preview_scale: float = 0.25,
        max_pixels: int = 16 * 2**20,
        store_budget_bytes: int = 160 * 2**20,
        nice: int = 10,
        heap_keep_bytes: int = 128 * 2**20,
        parent: QObject | None = None,
    ) -> None:
        """
        Args:
            processes: worker processes (2 on the table's two cores).
            cache_bytes: bound of the cache of rendered images.
            render_timeout_s: longest silence of a worker on one job.
            memory_bytes: address-space limit of each worker (RLIMIT_AS).
            heavy_page_bytes: stored content (streams and forms) from which a
                page gets a preview first.
            heavy_aa_level: graphics anti-aliasing bits of a heavy page's full render.
            preview_scale: linear scale of a heavy page's preview.
            max_pixels: a render larger than this is scaled down to it.
            store_budget_bytes: a worker's resident size above which MuPDF's
                cache of decoded images and fonts is emptied.
            nice: how much lower than the table's the workers' CPU priority is.
            heap_keep_bytes: freed memory a busy worker keeps for its next page
                (decoding a scan allocates tens of megabytes; 0: glibc's defaults).
        """
        super().__init__(parent)
        if processes < 1:
            raise ValueError("processes must be at least 1")
        self.cache = ImageCache(cache_bytes)
        self.render_timeout_s = render_timeout_s
        self._settings = Settings(
            memory_bytes,
            heavy_page_bytes,
            heavy_aa_level,
            preview_scale,
            max_pixels,
            store_budget_bytes,
            nice,
            heap_keep_bytes,
        )
        self._queue = _JobQueue()
        self._closed = False
        self._failures: OrderedDict[Hashable, tuple[str, str]] = OrderedDict()
        self._infos: OrderedDict[DocumentId, DocumentInfo] = OrderedDict()
        self._arrived.connect(self._on_self_arrived, Qt.ConnectionType.QueuedConnection)
        self._answered.connect(self._on_self_answered, Qt.ConnectionType.QueuedConnection)
        self._slots = [_WorkerSlot(index, self) for index in range(processes)]
        for slot in self._slots:
            slot.start()

    # --- the API -------------------------------------------------------------------------

    def request_document(self, path: Path) -> DocumentId:
        """Ask for the page sizes of ``path``: ``document_loaded`` or ``document_failed``."""
        document = DocumentId.of(path)
        info = self._infos.get(document)
        if info is not None:
            self._answered.emit(_InfoKey(document), info)
        else:
            self._submit(_InfoKey(document), PRIORITY_DOCUMENT)
        return document

    def request(
        self,
        path: Path,
        page_index: int,
        width_px: int,
        height_px: int,
        priority: int = PRIORITY_VISIBLE,
        *,
        clip: tuple[int, int, int, int] | None = None,
    ) -> RenderKey:
        """Ask for page ``page_index`` (0-based) fitted into ``width_px`` x ``height_px``.

        0 leaves a dimension free (fit to width: ``height_px=0``); ``clip``
        (x, y, w, h) renders only that part of the fitted page.  The answer
        comes by ``page_rendered`` or ``page_failed``, never before this returns;
        a request that is no longer needed should be given to ``cancel``.
        """
        key = RenderKey(DocumentId.of(path), page_index, max(0, width_px), max(0, height_px), clip)
        self.request_key(key, priority)
        return key

    def request_key(self, key: RenderKey, priority: int = PRIORITY_VISIBLE) -> None:
        """``request`` for a key already made (from ``key`` or a ``DocumentId`` held)."""
        if self._closed:
            return
        image = self.cache.get(key)
        if image is not None:
            self._answered.emit(key, image)
        else:
            self._submit(key, priority)

    def cancel(self, key: RenderKey) -> None:
        """Withdraw one request for ``key``: dropped if nobody else asked for it."""
        entry = self._queue.cancel(key)
        if entry is not None and entry.slot is not None:
            entry.slot.cancel(entry.job_id)

    def cached(self, key: RenderKey) -> QImage | None:
        """The rendered image of ``key`` if the cache holds it (counts as a use)."""
        return self.cache.get(key)

    def key(
        self,
        path: Path,
        page_index: int,
        width_px: int,
        height_px: int,
        clip: tuple[int, int, int, int] | None = None,
    ) -> RenderKey:
        """The key ``request`` would use, without asking for anything."""
        return RenderKey(DocumentId.of(path), page_index, max(0, width_px), max(0, height_px), clip)

    def cache_bytes(self) -> int:
        return self.cache.bytes

    def pending(self) -> int:
        """Jobs waiting or running (0: the workers are idle)."""
        return self._queue.pending()

    def worker_pids(self) -> list[int]:
        """Process ids of the workers now running."""
        return [pid for slot in self._slots if (pid := slot.pid()) is not None]

    def close(self) -> None:
        """Stop the workers and their threads; nothing is emitted afterwards."""
        if self._closed:
            return
        self._closed = True
        self._queue.close()
        for slot in self._slots:
            slot.stop()
        for slot in self._slots:
            slot.join(10)
        self.cache.clear()

    # --- on the GUI thread ---------------------------------------------------------------

    def _submit(self, key: Hashable, priority: int) -> None:
        failure = self._failures.get(key)
        if failure is not None:
            self._answered.emit(key, failure)
            return
        self._queue.submit(key, priority)

    def _on_self_answered(self, key: Hashable, answer: object) -> None:
        if self._closed:
            return
        if isinstance(key, _InfoKey):
            if isinstance(answer, DocumentInfo):
                self.document_loaded.emit(answer)
            elif isinstance(answer, tuple):
                self.document_failed.emit(key.document, answer[1])
        elif isinstance(answer, QImage):
            self.page_rendered.emit(key, answer)
        elif isinstance(answer, tuple):
            self.page_failed.emit(key, answer[1])

    def _on_self_arrived(self, arrival: _Arrival) -> None:
        if self._closed:
            return
        entry = arrival.entry
        key = entry.key
        if isinstance(arrival, _Rendered):
            if arrival.preview:
                self.page_previewed.emit(key, arrival.image)
                return
            self._queue.finish(entry)
            assert isinstance(key, RenderKey)
            self.cache.put(key, arrival.image)
            self.page_rendered.emit(key, arrival.image)
        elif isinstance(arrival, _Described):
            self._queue.finish(entry)
            self._infos[arrival.info.document] = arrival.info
            while len(self._infos) > _INFOS_KEPT:
                self._infos.popitem(last=False)
            self.document_loaded.emit(arrival.info)
        elif isinstance(arrival, _Failed):
            self._queue.finish(entry)
            if arrival.code != "unavailable":  # about the page: not retried on every flip
                self._failures[key] = (arrival.code, arrival.reason)
                while len(self._failures) > _FAILURES_KEPT:
                    self._failures.popitem(last=False)
            if isinstance(key, _InfoKey):
                self.document_failed.emit(key.document, arrival.reason)
            else:
                self.page_failed.emit(key, arrival.reason)
        else:
            self._queue.finish(entry, cancelled=True)

    # --- from the worker threads ---------------------------------------------------------

    def _post(self, arrival: _Arrival) -> None:
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the renderer is being destroyed
            self._arrived.emit(arrival)


# --- one worker process and the thread that talks to it ---------------------------------------


class _WorkerSlot:
    """One worker process and the thread that feeds it and reads its answers."""

    def __init__(self, index: int, renderer: PageRenderer) -> None:
        self.index = index
        # Weak: a renderer <-> slot cycle would leave the renderer (a QObject) to the
        # garbage collector, which may run on any thread; Qt objects must die on theirs.
        self._renderer = weakref.ref(renderer)
        self._queue = renderer._queue
        self._settings = renderer._settings
        self._lock = threading.Lock()  # worker, job_id; and sends to the worker
        self._worker: WorkerProcess | None = None
        self._job_id: int | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"page-render-{index}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def pid(self) -> int | None:
        with self._lock:
            worker = self._worker
        if worker is None or not worker.is_alive():
            return None
        return worker.pid

    def cancel(self, job_id: int) -> None:
        """Tell the worker to drop ``job_id`` at its next checkpoint (heavy pages)."""
        with self._lock:
            if self._worker is None or self._job_id != job_id:
                return
            self._worker.send(("cancel", job_id))

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            worker, busy = self._worker, self._job_id is not None
            if worker is not None and not busy:
                worker.send(None)
        if worker is not None and busy:
            worker.kill()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:  # the thread did not end: it has been told to stop
            worker.stop(grace_s=2.0)

    # --- the thread ----------------------------------------------------------------------

    def _run(self) -> None:
        failed_starts = 0
        while not self._stopping:
            if not self._ensure_worker():
                failed_starts += 1
                if failed_starts >= 3:
                    # Nothing can be shown for now: say so rather than spin forever.
                    entry = self._queue.take(self)
                    if entry is None:
                        break
                    self._post_failure(entry, "unavailable")
                if self._queue.wait_closed(min(5.0, 0.5 * failed_starts)):
                    break
                continue
            failed_starts = 0
            entry = self._queue.take(self)
            if entry is None:
                break
            try:
                self._perform(entry)
            finally:
                with self._lock:
                    self._job_id = None
        self._shutdown_worker()

    def _ensure_worker(self) -> bool:
        with self._lock:
            worker = self._worker
        if worker is not None and worker.is_alive() and worker.jobs < JOBS_PER_WORKER:
            return True
        if worker is not None:
            self._replace_worker()
        # On this thread: the first start also starts the fork server (imports, ~0.3 s).
        worker = WorkerProcess.start(
            forkserver_context(), worker_main, (self._settings,), f"page-render-{self.index}"
        )
        if worker is None:
            return False
        try:  # in short waits, so that closing the renderer is never held up
            worker.wait_ready(_START_TIMEOUT_S, stopping=lambda: self._stopping)
        except WorkerFailure as failure:
            if not isinstance(failure, WorkerInterrupted):
                log.error("page render worker %s did not start: %s", worker.pid, failure)
            worker.discard(join_s=2)
            return False
        with self._lock:
            stopping = self._stopping
            if not stopping:
                self._worker = worker
        if stopping:
            worker.discard()
            return False
        return True

    def _replace_worker(self) -> None:
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.discard()

    def _shutdown_worker(self) -> None:
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()

    def _send_job(self, entry: _Entry) -> WorkerProcess | None:
        """Hand ``entry`` to the worker (restarted once if it died while idle)."""
        message = _job_message(entry)
        for attempt in range(2):
            with self._lock:
                worker = self._worker
                if worker is not None and worker.send(message):
                    self._job_id = entry.job_id
                    return worker
            if attempt == 0 and not self._stopping:  # not the page's fault: try a fresh one
                self._replace_worker()
                self._ensure_worker()
        return None

    def _perform(self, entry: _Entry) -> None:
        for _attempt in range(2):
            worker = self._send_job(entry)
            if worker is None:
                self._post_failure(entry, "unavailable")
                return
            if self._await_answers(entry, worker):
                return
            # The worker died before it took the job (killed while idle): not the
            # page's fault, so it gets one more try on a fresh worker.
            if self._stopping:
                return
        self._post_failure(entry, "crashed")

    def _await_answers(self, entry: _Entry, worker: WorkerProcess) -> bool:
        """Read the worker's answers to ``entry``; False if it died before taking it."""
        worker.jobs += 1
        started = False
        deadline = time.monotonic() + self._timeout_s()
        while True:
            try:
                answer = worker.receive(deadline)
                tag = answer[0]
                if tag == "started":
                    started = True
                elif tag == "image":
                    _tag, _job, stage, width, height = answer
                    image = _read_image(
                        worker.conn, int(width), int(height), self._settings.max_pixels
                    )
                    preview = stage == "preview"
                    self._post(_Rendered(entry, image, preview))
                    if not preview:
                        return True
                    deadline = time.monotonic() + self._timeout_s()
                elif tag == "info":
                    _tag, _job, sizes, title = answer
                    assert isinstance(entry.key, _InfoKey)
                    page_sizes = tuple((float(w), float(h)) for w, h in sizes)
                    info = DocumentInfo(entry.key.document, page_sizes, str(title))
                    self._post(_Described(entry, info))
                    return True
                elif tag == "failed":
                    _tag, _job, code, reason, detail = answer
                    log.info("%s: %s (%s) %s", _describe(entry), reason, code, detail)
                    self._post(_Failed(entry, str(code), str(reason)))
                    return True
                elif tag == "cancelled":
                    self._post(_Cancelled(entry))
                    return True
                else:
                    raise ValueError(f"unknown answer {tag!r}")
            except WorkerTimedOut:
                log.warning(
                    "%s: no answer after %.1f s, page render worker %d killed",
                    _describe(entry),
                    self._timeout_s(),
                    worker.pid,
                )
                self._replace_worker()
                self._post_failure(entry, "timeout")
                return True
            except (WorkerDied, EOFError, OSError):
                return self._died(entry, worker, started)
            except (BadAnswer, ValueError, TypeError) as exc:
                log.error("unreadable answer from page render worker %d: %s", worker.pid, exc)
                self._replace_worker()
                self._post_failure(entry, "crashed")
                return True

    def _died(self, entry: _Entry, worker: WorkerProcess, started: bool) -> bool:
        """A worker died on ``entry``: blame the page only if the worker had taken it."""
        code = worker.reap()
        self._replace_worker()
        if self._stopping:
            return True
        if not started:
            log.warning("page render worker %d died while idle (exit %s)", worker.pid, code)
            return False
        log.error("%s: page render worker %d died (exit %s)", _describe(entry), worker.pid, code)
        self._post_failure(entry, "memory" if code == EXIT_OUT_OF_MEMORY else "crashed")
        return True

    def _post(self, arrival: _Arrival) -> None:
        renderer = self._renderer()
        if renderer is not None:
            renderer._post(arrival)

    def _timeout_s(self) -> float:
        renderer = self._renderer()
        return renderer.render_timeout_s if renderer is not None else 0.0

    def _post_failure(self, entry: _Entry, code: str) -> None:
        if self._stopping:
            return
        reason = _REASONS[code]
        if code == "timeout":
            reason = reason.format(seconds=_seconds(self._timeout_s()))
        self._post(_Failed(entry, code, reason))


_REASONS = {
    "timeout": "Affichage abandonné : la page a demandé plus de {seconds} s.",
    "crashed": "Le moteur d'affichage s'est arrêté sur cette page.",
    "memory": REASON_MEMORY,
    "unavailable": "Affichage impossible pour l'instant : le moteur d'affichage ne démarre pas.",
}


def _job_message(entry: _Entry) -> tuple[object, ...]:
    key = entry.key
    if isinstance(key, RenderKey):
        return (
            "render",
            entry.job_id,
            tuple(key.document),
            key.page,
            key.width,
            key.height,
            key.clip,
        )
    assert isinstance(key, _InfoKey)
    return ("info", entry.job_id, tuple(key.document))


def _describe(entry: _Entry) -> str:
    key = entry.key
    if isinstance(key, RenderKey):
        return f"{key.document.path} page {key.page + 1}"
    assert isinstance(key, _InfoKey)
    return key.document.path


def _read_image(conn: Connection, width: int, height: int, max_pixels: int) -> QImage:
    """The pixels that follow an "image" answer, read straight into a new QImage."""
    if width <= 0 or height <= 0 or width * height > max_pixels * 2:
        raise ValueError(f"implausible image size {width}x{height}")
    image = QImage(width, height, _IMAGE_FORMAT)
    if image.bytesPerLine() != width * BYTES_PER_PIXEL:
        raise ValueError("unexpected QImage stride")
    buffer = memoryview(image.bits()).cast("B")
    fd = conn.fileno()
    done, total = 0, width * height * BYTES_PER_PIXEL
    while done < total:
        n = os.readv(fd, [buffer[done:]])  # the GIL is released during the copy
        if n == 0:
            raise EOFError("the worker closed its pipe")
        done += n
    buffer.release()
    return image


def _seconds(duration: float) -> str:
    """A duration as a French reader writes it: "10", "2,5", "0,03"."""
    digits = 0 if duration >= 10 else 1 if duration >= 1 else 2
    return f"{duration:.{digits}f}".replace(".", ",")
