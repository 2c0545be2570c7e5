"""The page-render worker process: PyMuPDF and the standard library, no Qt.

``screens.render.PageRenderer`` runs ``worker_main`` in processes from the fork
server (``sync.workers.forkserver_context``).  A worker imports nothing of Qt
(a worker that did cost 17 MB more and a slower start), keeps its last few
documents open and answers jobs on its pipe:

- ``("info", job_id, document)``: the page sizes and the title;
- ``("render", job_id, document, page, width, height, clip)``: the page drawn
  straight into a BGRA pixmap (RGBA on a big-endian machine), sent as a short
  pickled header ``("image", job_id, stage, width, height)`` followed by the
  raw pixels on the same pipe, which the table's process reads straight into a
  ``QImage`` of ``Format_RGB32``: no pickling of pixels, no conversion;
- ``("cancel", job_id)`` between the preview and the full render of a heavy
  page; ``None`` to stop.

A heavy page (a dense vector plan) is parsed once into a display list, sent as
a quick low-resolution preview, then drawn with graphics anti-aliasing 4
instead of 8 (half the time, the same look at screen size).

Decoding a 300-dpi scan allocates tens of megabytes (the JPEG's coefficients,
the decoded image) that glibc would map and unmap on every page: a fifth of a
colour scan's time went to page faults.  The worker keeps those blocks in its
heap while it works and gives them back to the system once idle
(``Settings.idle_release_s``).

Everything in this module runs inside the worker; the table's process only
uses ``Settings``, ``worker_main`` and the constants.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import resource
import signal
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from sync.worker_pipe import send

#: A worker that runs out of memory exits with this status.
EXIT_OUT_OF_MEMORY = 86
REASON_MEMORY = "Page trop lourde : la mémoire nécessaire pour l'afficher dépasse la limite."
REASON_BROKEN_PAGE = "Page endommagée : elle ne peut pas être affichée."
#: Bytes per pixel of the images sent: B, G, R, A (R, G, B, A on big-endian).
BYTES_PER_PIXEL = 4

# mallopt parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


@dataclass(frozen=True)
class Settings:
    """What a worker process is started with.

    Attributes:
        memory_bytes: address-space limit (RLIMIT_AS).
        heavy_page_bytes: stored content from which a page gets a preview first.
        heavy_aa_level: graphics anti-aliasing bits of a heavy page's full render.
        preview_scale: linear scale of a heavy page's preview.
        max_pixels: a render larger than this is scaled down to it.
        store_budget_bytes: resident size above which MuPDF's store is emptied.
        nice: how much lower than the table's the worker's CPU priority is.
        heap_keep_bytes: freed memory the worker keeps for the next page while busy
            (0: glibc's defaults).
        idle_release_s: idle time after which that memory goes back to the system.
    """

    memory_bytes: int
    heavy_page_bytes: int
    heavy_aa_level: int
    preview_scale: float
    max_pixels: int
    store_budget_bytes: int
    nice: int
    heap_keep_bytes: int = 128 * 2**20
    idle_release_s: float = 2.0


class _Refused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def worker_main(conn: Connection, settings: Settings) -> None:
    """A worker's life: limit itself, warm MuPDF up, then render until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the table, which stops us
    # Below the GUI thread: on two cores busy rendering, a repaint still runs at once.
    with contextlib.suppress(OSError):
        os.nice(settings.nice)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = (
        settings.memory_bytes
        if hard == resource.RLIM_INFINITY
        else min(settings.memory_bytes, hard)
    )
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    release_heap = _keep_freed_memory(settings.heap_keep_bytes)
    try:
        worker = _PageWorker(conn, settings, release_heap)
        worker.warm_up()
        # PyMuPDF's tens of thousands of objects out of the collector's sight: no
        # full collection walks them in the middle of a page (7 ms each), and the
        # pages shared with the fork server stay shared.
        gc.collect()
        gc.freeze()
        send(conn, ("ready", os.getpid()))
        worker.serve()
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)
    except (EOFError, OSError, ValueError):  # the table is gone
        return


def _keep_freed_memory(keep_bytes: int) -> Callable[[], None] | None:
    """Serve large blocks from the heap and keep up to ``keep_bytes`` of freed memory
    (glibc); the function that gives it back, or None where that cannot be set.

    By default glibc maps every block of 128 KiB or more on its own and unmaps it
    when freed: each page then costs a fault and a zeroing by the kernel again.
    """
    if keep_bytes <= 0:
        return None
    try:
        libc = ctypes.CDLL(None)
        mallopt, malloc_trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    malloc_trim.argtypes = [ctypes.c_size_t]
    if not mallopt(_M_MMAP_THRESHOLD, min(keep_bytes, 64 * 2**20)):
        return None
    mallopt(_M_TRIM_THRESHOLD, keep_bytes)

    def release() -> None:
        malloc_trim(0)

    return release


class _PageWorker:
    """The rendering side: open documents (a few, least recently used out), pages, pixels."""

    DOCUMENTS_KEPT = 4

    def __init__(
        self, conn: Connection, settings: Settings, release_heap: Callable[[], None] | None
    ) -> None:
        import pymupdf

        self.pymupdf = pymupdf
        self.mupdf = pymupdf.mupdf
        self.conn = conn
        self.settings = settings
        self.release_heap = release_heap
        self.documents: OrderedDict[tuple[str, int, int], Any] = OrderedDict()
        self.page_counts: dict[tuple[str, int, int], int] = {}
        little = sys.byteorder == "little"
        self.colorspace = self.mupdf.fz_device_bgr() if little else self.mupdf.fz_device_rgb()
        self.cancelled: set[int] = set()
        self.stop_after_job = False
        pymupdf.TOOLS.mupdf_display_errors(False)
        pymupdf.TOOLS.mupdf_display_warnings(False)

    def warm_up(self) -> None:
        doc = self.pymupdf.open()
        page = doc.new_page(width=100, height=100)
        page.insert_text((10, 50), "Table du conseil")
        self._draw(self._bbox(page, 1.0, None), lambda dev: self._run_page(page, dev, 1.0))
        doc.close()

    def serve(self) -> None:
        holding = False  # freed memory kept since the last job
        while not self.stop_after_job:
            if holding and not self.conn.poll(self.settings.idle_release_s):
                if self.release_heap is not None:
                    self.release_heap()
                holding = False
            job = self.conn.recv()
            if job is None:
                return
            if job[0] == "cancel":  # for a job already over
                continue
            self.cancelled.clear()
            send(self.conn, ("started", job[1]))
            self._handle(job)
            self._trim_memory()
            holding = True

    def _handle(self, job: tuple[Any, ...]) -> None:
        kind, job_id = job[0], job[1]
        try:
            if kind == "info":
                self._send_info(job_id, job[2])
            elif kind == "render":
                self._render(job_id, *job[2:])
            else:
                raise ValueError(f"unknown job {kind!r}")
        except _Refused as exc:
            send(self.conn, ("failed", job_id, exc.code, exc.reason, ""))
        except MemoryError:
            raise
        except OSError as exc:
            if exc.errno is not None:
                raise  # the pipe: the table is gone
            self._fail(job_id, exc)
        except Exception as exc:  # MuPDF's errors: the file, not the worker
            self._fail(job_id, exc)

    def _fail(self, job_id: int, exc: Exception) -> None:
        detail = f"{type(exc).__name__}: {exc}"
        lowered = detail.lower()
        code = "memory" if "memory" in lowered or "malloc" in lowered else "broken_page"
        reason = REASON_MEMORY if code == "memory" else REASON_BROKEN_PAGE
        send(self.conn, ("failed", job_id, code, reason, detail))

    # --- documents -------------------------------------------------------------------------

    def _document(self, document: tuple[str, int, int]) -> Any:
        doc = self.documents.get(document)
        if doc is not None:
            self.documents.move_to_end(document)
            return doc
        path = document[0]
        if not os.path.isfile(path):
            raise _Refused("missing", "Fichier introuvable : il a été déplacé ou supprimé.")
        try:
            doc = self.pymupdf.open(path)
        except MemoryError:
            raise
        except Exception as exc:
            raise _Refused(
                "unreadable",
                "Document illisible : le fichier est endommagé ou son format n'est pas reconnu.",
            ) from exc
        if doc.needs_pass:
            doc.close()
            raise _Refused(
                "password", "Document protégé par un mot de passe : il ne peut pas être affiché."
            )
        if doc.page_count < 1:
            doc.close()
            raise _Refused("empty", "Document vide : il ne contient aucune page.")
        # Reading a broken page makes MuPDF repair the file, which may change its
        # count: the count when opened is the one every worker and the viewer use.
        self.page_counts[document] = doc.page_count
        self.documents[document] = doc
        while len(self.documents) > self.DOCUMENTS_KEPT:
            old, evicted = self.documents.popitem(last=False)
            del self.page_counts[old]
            evicted.close()
        return doc

    def _send_info(self, job_id: int, document: tuple[str, int, int]) -> None:
        doc = self._document(document)
        sizes: list[tuple[float, float]] = []
        fallback = (595.0, 842.0)  # A4: for a page that cannot be read, shown as failed later
        for index in range(self.page_counts[document]):
            try:
                bounds = self.mupdf.fz_bound_page(doc.load_page(index).this)
                size = (bounds.x1 - bounds.x0, bounds.y1 - bounds.y0)
            except MemoryError:
                raise
            except Exception:
                size = sizes[-1] if sizes else fallback
            if size[0] <= 0 or size[1] <= 0:
                size = fallback
            sizes.append(size)
        title = (doc.metadata or {}).get("title") or ""
        send(self.conn, ("info", job_id, sizes, str(title)))

    # --- pages -----------------------------------------------------------------------------

    def _render(
        self,
        job_id: int,
        document: tuple[str, int, int],
        page_index: int,
        width: int,
        height: int,
        clip: tuple[int, int, int, int] | None,
    ) -> None:
        doc = self._document(document)
        count = self.page_counts[document]
        if not 0 <= page_index < count:
            raise _Refused(
                "no_page", f"Page {page_index + 1} inexistante : le document compte {count} pages."
            )
        page = doc.load_page(page_index)
        bounds = self.mupdf.fz_bound_page(page.this)
        page_w, page_h = bounds.x1 - bounds.x0, bounds.y1 - bounds.y0
        if page_w <= 0 or page_h <= 0:
            raise _Refused("broken_page", REASON_BROKEN_PAGE)
        zoom = fit_zoom(page_w, page_h, width, height)
        area = self._bbox(page, zoom, clip)
        pixels = (area.x1 - area.x0) * (area.y1 - area.y0)
        if pixels > self.settings.max_pixels:  # shown scaled up rather than not at all
            zoom *= (self.settings.max_pixels / pixels) ** 0.5
            clip = (
                None
                if clip is None
                else scale_clip(clip, (self.settings.max_pixels / pixels) ** 0.5)
            )
            area = self._bbox(page, zoom, clip)
        if self._content_bytes(doc, page) < self.settings.heavy_page_bytes:
            pixmap = self._draw(area, lambda dev: self._run_page(page, dev, zoom))
            self._send_image(job_id, "full", pixmap)
            return
        # Heavy: parse once into a display list, preview it, then the full render.
        display_list = self.mupdf.fz_new_display_list_from_page(page.this)
        scale = self.settings.preview_scale
        if 0 < scale < 1 and pixels * scale * scale >= 64 * 64:
            preview_area = self._bbox(page, zoom * scale, scale_clip(clip, scale) if clip else None)
            with self._graphics_aa(0):
                pixmap = self._draw(
                    preview_area, lambda dev: self._run_list(display_list, dev, zoom * scale)
                )
            self._send_image(job_id, "preview", pixmap)
            del pixmap
            if self._was_cancelled(job_id):
                send(self.conn, ("cancelled", job_id))
                return
        with self._graphics_aa(self.settings.heavy_aa_level):
            pixmap = self._draw(area, lambda dev: self._run_list(display_list, dev, zoom))
        self._send_image(job_id, "full", pixmap)

    def _bbox(self, page: Any, zoom: float, clip: tuple[int, int, int, int] | None) -> Any:
        m = self.mupdf
        full = m.fz_round_rect(m.fz_transform_rect(m.fz_bound_page(page.this), _matrix(m, zoom)))
        if clip is None:
            return full
        x, y, w, h = clip
        return m.fz_intersect_irect(full, m.fz_make_irect(x, y, x + w, y + h))

    def _draw(self, bbox: Any, run: Callable[[Any], None]) -> Any:
        m = self.mupdf
        if m.fz_is_empty_irect(bbox):
            bbox = m.fz_make_irect(bbox.x0, bbox.y0, bbox.x0 + 1, bbox.y0 + 1)
        pixmap = m.fz_new_pixmap_with_bbox(self.colorspace, bbox, m.FzSeparations(), 1)
        m.fz_clear_pixmap_with_value(pixmap, 255)  # white and opaque
        device = m.fz_new_draw_device(m.FzMatrix(), pixmap)
        run(device)
        m.fz_close_device(device)
        return pixmap

    def _run_page(self, page: Any, device: Any, zoom: float) -> None:
        m = self.mupdf
        m.fz_run_page(page.this, device, _matrix(m, zoom), m.FzCookie())

    def _run_list(self, display_list: Any, device: Any, zoom: float) -> None:
        m = self.mupdf
        everywhere = m.FzRect(m.FzRect.Fixed_INFINITE)
        m.fz_run_display_list(display_list, device, _matrix(m, zoom), everywhere, m.FzCookie())

    @contextlib.contextmanager
    def _graphics_aa(self, level: int) -> Iterator[None]:
        m = self.mupdf
        before = m.fz_graphics_aa_level()
        m.fz_set_graphics_aa_level(level)
        try:
            yield
        finally:
            m.fz_set_graphics_aa_level(before)

    def _content_bytes(self, doc: Any, page: Any) -> int:
        """What the page's drawing is made of, as stored (no decompression): a cheap weight."""
        if not doc.is_pdf:
            return 0
        xrefs = list(page.get_contents()) + [xobject[0] for xobject in page.get_xobjects()]
        total = 0
        for xref in xrefs:
            kind, value = doc.xref_get_key(xref, "Length")
            total += int(value) if kind == "int" else len(doc.xref_stream_raw(xref) or b"")
        return total

    def _send_image(self, job_id: int, stage: str, pixmap: Any) -> None:
        """The header, then the pixels as they are in the pixmap (no copy, no pickling)."""
        m = self.mupdf
        width, height = pixmap.w(), pixmap.h()
        if m.fz_pixmap_stride(pixmap) != width * BYTES_PER_PIXEL:
            raise ValueError("unexpected pixmap stride")
        samples = m.fz_pixmap_samples_memoryview(pixmap)
        send(self.conn, ("image", job_id, stage, width, height))
        fd = self.conn.fileno()
        view = memoryview(samples).cast("B")
        done = 0
        while done < len(view):
            done += os.write(fd, view[done:])

    def _was_cancelled(self, job_id: int) -> bool:
        while self.conn.poll(0):
            message = self.conn.recv()
            if message is None:
                self.stop_after_job = True
            elif message[0] == "cancel":
                self.cancelled.add(message[1])
        return job_id in self.cancelled

    def _trim_memory(self) -> None:
        """Empty MuPDF's store (decoded images, fonts) once the worker grows past its budget."""
        try:
            with open("/proc/self/statm", encoding="ascii") as f:
                resident = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return
        if resident > self.settings.store_budget_bytes:
            self.pymupdf.TOOLS.store_shrink(100)


def fit_zoom(page_w: float, page_h: float, width: int, height: int) -> float:
    """The scale that fits a page into width x height (0: that side is free)."""
    zooms = []
    if width > 0:
        zooms.append(width / page_w)
    if height > 0:
        zooms.append(height / page_h)
    return min(zooms) if zooms else 1.0


def scale_clip(clip: tuple[int, int, int, int], scale: float) -> tuple[int, int, int, int]:
    x, y, w, h = clip
    return (int(x * scale), int(y * scale), max(1, round(w * scale)), max(1, round(h * scale)))


def _matrix(m: Any, zoom: float) -> Any:
    return m.FzMatrix(zoom, 0, 0, zoom, 0, 0)
