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

A scanned page (one plain JPEG image, RGB or grey, drawn upright or turned by
quarter turns, nothing else on the page but an invisible OCR text layer) is
decoded with Pillow's libjpeg-turbo at the reduced DCT scale the page's size
allows, averaged down to the pixels MuPDF's draw device would have covered and
placed where it would have placed them: the same picture, in less time (a
300-dpi colour scan at a seat's size: 29 ms of CPU instead of 39 for a baseline
JPEG; 93 instead of 107 for a progressive one, whose Huffman decoding
libjpeg-turbo does not make faster).  Anything else, and any scan Pillow
cannot read, goes through MuPDF as before.  ``("stats", job_id)``
answers ``("stats", job_id, counts)``: pages drawn by each path.

Everything in this module runs inside the worker; the table's process only
uses ``Settings``, ``worker_main`` and the constants.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import os
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

# Imported here, not in the worker: the fork server imports this module, so every
# worker starts with Pillow (and its libjpeg-turbo) loaded and shared.
from PIL import Image, JpegImagePlugin

from sync.worker_pipe import send
from sync.worker_process import EXIT_OUT_OF_MEMORY, limit_worker, send_ready

REASON_MEMORY = "Page trop lourde : la mémoire nécessaire pour l'afficher dépasse la limite."
REASON_BROKEN_PAGE = "Page endommagée : elle ne peut pas être affichée."
#: Bytes per pixel of the images sent: B, G, R, A (R, G, B, A on big-endian).
BYTES_PER_PIXEL = 4

#: Pillow's filter from the scan's reduced decode to the page's size: a triangle as wide
#: as the reduction, as MuPDF's own scaler (a box filter, a third quicker, is as sharp but
#: differs from MuPDF's drawing by about twice as much on a page of text).
SCAN_FILTER = Image.Resampling.BILINEAR

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
        scan_fast_path: decode a scanned page's JPEG with Pillow (False: MuPDF draws
            every page, as before the fast path).
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
    scan_fast_path: bool = True


class _Refused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def worker_main(conn: Connection, settings: Settings) -> None:
    """A worker's life: limit itself, warm MuPDF up, then render until told to stop."""
    # Below the GUI thread: on two cores busy rendering, a repaint still runs at once.
    limit_worker(settings.memory_bytes, settings.nice)
    release_heap = _keep_freed_memory(settings.heap_keep_bytes)
    try:
        worker = _PageWorker(conn, settings, release_heap)
        worker.warm_up()
        # PyMuPDF's tens of thousands of objects out of the collector's sight: no
        # full collection walks them in the middle of a page (7 ms each), and the
        # pages shared with the fork server stay shared.
        gc.collect()
        gc.freeze()
        send_ready(conn)
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
        #: Pages drawn by each path: "scan" (Pillow), "mupdf".
        self.counts = {"scan": 0, "mupdf": 0}
        pymupdf.TOOLS.mupdf_display_errors(False)
        pymupdf.TOOLS.mupdf_display_warnings(False)

    def warm_up(self) -> None:
        doc = self.pymupdf.open()
        page = doc.new_page(width=100, height=100)
        page.insert_text((10, 50), "Table du conseil")
        self._draw(self._bbox(page, 1.0, None), lambda dev: self._run_page(page, dev, 1.0))
        # A small scan through the fast path: the device class, Pillow's decoder.
        jpeg = io.BytesIO()
        Image.new("RGB", (64, 64), (200, 120, 40)).save(jpeg, "JPEG")
        scan = doc.new_page(width=32, height=32)
        scan.insert_image(scan.rect, stream=jpeg.getvalue())
        _draw_scan(self.mupdf, doc, scan, 0.5, self._bbox(scan, 0.5, None))
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
            elif kind == "stats":
                send(self.conn, ("stats", job_id, dict(self.counts)))
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
        scan = (
            _draw_scan(self.mupdf, doc, page, zoom, area) if self.settings.scan_fast_path else None
        )
        if scan is not None:
            self.counts["scan"] += 1
            self._send_pixels(job_id, "full", area.x1 - area.x0, area.y1 - area.y0, scan)
            return
        self.counts["mupdf"] += 1
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
        self._send_pixels(job_id, stage, width, height, m.fz_pixmap_samples_memoryview(pixmap))

    def _send_pixels(self, job_id: int, stage: str, width: int, height: int, pixels: Any) -> None:
        """The header, then ``width`` x ``height`` pixels of BYTES_PER_PIXEL bytes, raw."""
        view = memoryview(pixels).cast("B")
        if len(view) != width * height * BYTES_PER_PIXEL:
            raise ValueError("unexpected image size")
        send(self.conn, ("image", job_id, stage, width, height))
        fd = self.conn.fileno()
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


# --- scanned pages: one JPEG, decoded by Pillow ----------------------------------------------

#: The transposition of an image drawn by a rectilinear matrix, by the signs of its
#: (a, d) when b = c = 0, and of its (c, b) when a = d = 0 (a quarter turn).
_UPRIGHT: dict[tuple[bool, bool], Image.Transpose | None] = {
    (True, True): None,
    (False, True): Image.Transpose.FLIP_LEFT_RIGHT,
    (True, False): Image.Transpose.FLIP_TOP_BOTTOM,
    (False, False): Image.Transpose.ROTATE_180,
}
_TURNED: dict[tuple[bool, bool], Image.Transpose] = {
    (True, True): Image.Transpose.TRANSPOSE,
    (True, False): Image.Transpose.ROTATE_90,
    (False, True): Image.Transpose.ROTATE_270,
    (False, False): Image.Transpose.TRANSVERSE,
}
#: What MuPDF itself takes for a rectilinear matrix (FLT_EPSILON).
_FLT_EPSILON = 1.1920929e-07
#: Device calls that draw something, clip or composite: any of them leaves the page to MuPDF.
_DRAWING_CALLS = (
    "fill_path",
    "stroke_path",
    "clip_path",
    "clip_stroke_path",
    "fill_text",
    "stroke_text",
    "clip_text",
    "clip_stroke_text",
    "fill_shade",
    "fill_image_mask",
    "clip_image_mask",
    "pop_clip",
    "begin_mask",
    "end_mask",
    "begin_group",
    "end_group",
    "begin_tile",
    "end_tile",
)
_NULL = ("null", "null")


@dataclass(frozen=True)
class _DrawnJpeg:
    """The one image a page draws: its JPEG stream and the matrix it is drawn with."""

    data: bytes
    width: int
    height: int
    components: int
    ctm: tuple[float, float, float, float, float, float]


def _draw_scan(mupdf: Any, doc: Any, page: Any, zoom: float, area: Any) -> bytes | None:
    """The pixels of ``area`` of a scanned page drawn at ``zoom``, as MuPDF's draw device
    would make them (BYTES_PER_PIXEL each), or None: not a plain scan, MuPDF draws it."""
    try:
        if not _one_plain_jpeg(doc, page):
            return None
        drawn = _probe_page(mupdf, page, zoom)
        if drawn is None:
            return None
        return _scan_pixels(mupdf, drawn, (area.x0, area.y0, area.x1, area.y1))
    except MemoryError:
        raise
    except Exception:  # a damaged page or JPEG: MuPDF draws it or says what is wrong, as before
        return None


def _one_plain_jpeg(doc: Any, page: Any) -> bool:
    """Whether the page's resources hold one image, a plain DCTDecode stream of 8-bit
    samples without mask, /Decode or decoding parameters (a cheap test, before any parsing)."""
    if not doc.is_pdf:
        return False
    images = page.get_images(full=True)
    if len(images) != 1:
        return False
    xref, smask, _w, _h, bpc, *_rest = images[0]
    if smask or bpc != 8 or doc.xref_get_key(xref, "Filter") != ("name", "/DCTDecode"):
        return False
    if doc.xref_get_key(xref, "ImageMask") not in (_NULL, ("bool", "false")):
        return False
    return all(doc.xref_get_key(xref, key) == _NULL for key in ("Decode", "DecodeParms", "Mask"))


def _probe_page(mupdf: Any, page: Any, zoom: float) -> _DrawnJpeg | None:
    """Run the page through a device that only looks: its one JPEG and its matrix on the
    page's pixels, or None if it draws anything else (visible text, paths, clips, masks)."""
    cookie = mupdf.FzCookie()
    probe = _probe_class(mupdf)(mupdf, cookie)
    mupdf.fz_run_page(page.this, probe, _matrix(mupdf, zoom), cookie)
    mupdf.fz_close_device(probe)
    return None if probe.refused else probe.image


_PROBE_CLASSES: dict[int, type] = {}


def _probe_class(mupdf: Any) -> Any:
    """The probing device, a subclass of the bindings' Python device (made once)."""
    cls = _PROBE_CLASSES.get(id(mupdf))
    if cls is not None:
        return cls

    class ScanProbe(mupdf.FzDevice2):
        def __init__(self, m: Any, cookie: Any) -> None:
            super().__init__()
            self.m = m
            self.cookie = cookie
            self.image: _DrawnJpeg | None = None
            self.refused = False
            for name in (*_DRAWING_CALLS, "fill_image", "ignore_text", "set_default_colorspaces"):
                getattr(self, f"use_virtual_{name}")()

        def refuse(self, *_args: Any) -> int:
            self.refused = True
            self.cookie.set_abort()  # the interpreter stops at the next operator
            return 0

        def ignore_text(self, *_args: Any) -> None:
            """Invisible text (render mode 3: an OCR layer) draws nothing."""

        def set_default_colorspaces(self, _ctx: Any, defaults: Any) -> None:
            intent = self.m.ll_fz_default_output_intent(defaults)
            if intent is not None and "sRGB" not in self.m.ll_fz_colorspace_name(intent):
                self.refuse()

        def fill_image(self, _ctx: Any, image: Any, ctm: Any, alpha: float, _params: Any) -> None:
            try:
                drawn = None if self.image is not None or alpha != 1 else _jpeg_of(self.m, image)
                if drawn is None:
                    self.refuse()
                    return
                self.image = _DrawnJpeg(
                    drawn, image.w, image.h, image.n, (ctm.a, ctm.b, ctm.c, ctm.d, ctm.e, ctm.f)
                )
            except Exception:
                self.refuse()

    for name in _DRAWING_CALLS:
        setattr(ScanProbe, name, ScanProbe.refuse)
    _PROBE_CLASSES[id(mupdf)] = ScanProbe
    return ScanProbe


def _jpeg_of(m: Any, image: Any) -> bytes | None:
    """The JPEG stream of an 8-bit RGB or grey image drawn as it is, or None."""
    if image.imagemask or image.use_decode or image.use_colorkey or image.mask is not None:
        return None
    if image.bpc != 8 or image.n not in (1, 3) or image.orientation > 1:
        return None
    space = image.colorspace
    if space is None or m.ll_fz_colorspace_n(space) != image.n:
        return None
    name = m.ll_fz_colorspace_name(space)
    icc = m.ll_fz_colorspace_is_icc(space)
    if image.n == 3:
        plain = name == "DeviceRGB" or (icc and "sRGB" in name)
    else:
        plain = name == "DeviceGray" or (
            icc and ("Artifex Software Gray" in name or "sGray" in name)
        )
    if not plain:  # another profile: MuPDF converts its colours, Pillow would not
        return None
    compressed = m.ll_fz_compressed_image_buffer(image)
    if compressed is None or compressed.params.type != m.FZ_IMAGE_JPEG:
        return None
    return bytes(m.ll_fz_buffer_storage_memoryview(compressed.buffer, False))


def _scan_pixels(m: Any, drawn: _DrawnJpeg, area: tuple[int, int, int, int]) -> bytes | None:
    """Decode and place the JPEG as MuPDF's draw device does: the image snapped to whole
    pixels (``fz_gridfit_matrix``), turned, reduced, on white where it does not reach."""
    g = m.fz_gridfit_matrix(0, m.FzMatrix(*drawn.ctm))
    if abs(g.b) < _FLT_EPSILON and abs(g.c) < _FLT_EPSILON:
        op, turned = _UPRIGHT[(g.a > 0, g.d > 0)], False
    elif abs(g.a) < _FLT_EPSILON and abs(g.d) < _FLT_EPSILON:
        op, turned = _TURNED[(g.c > 0, g.b > 0)], True
    else:
        return None  # drawn at an angle
    corners_x = sorted((g.e, g.e + g.a + g.c))
    corners_y = sorted((g.f, g.f + g.b + g.d))
    x0, x1, y0, y1 = (round(v) for v in (*corners_x, *corners_y))
    if max(abs(v - round(v)) for v in (*corners_x, *corners_y)) > 1e-3:
        return None
    dest_w, dest_h = x1 - x0, y1 - y0
    width, height = drawn.width, drawn.height
    source_w, source_h = (height, width) if turned else (width, height)
    if not (0 < dest_w <= source_w and 0 < dest_h <= source_h):
        return None  # enlarged: MuPDF interpolates its own way
    ax0, ay0, ax1, ay1 = area
    vx0, vy0, vx1, vy1 = max(x0, ax0), max(y0, ay0), min(x1, ax1), min(y1, ay1)
    if vx0 >= vx1 or vy0 >= vy1:
        return None

    mode = "RGB" if drawn.components == 3 else "L"
    image = JpegImagePlugin.JpegImageFile(io.BytesIO(drawn.data))
    if image.mode != mode or image.size != (width, height):
        return None
    need = (dest_h, dest_w) if turned else (dest_w, dest_h)
    image.draft(mode, need)  # libjpeg-turbo decodes at 1/2, 1/4 or 1/8, still >= need
    scale = 1
    for factor in (8, 4, 2):
        if factor <= min(width // need[0], height // need[1]):
            scale = factor
            break
    if image.size != (-(-width // scale), -(-height // scale)):
        return None
    box = _source_box(
        op,
        (vx0 - x0) / dest_w,
        (vy0 - y0) / dest_h,
        (vx1 - x0) / dest_w,
        (vy1 - y0) / dest_h,
    )
    reduced_w, reduced_h = width / scale, height / scale
    size = (vy1 - vy0, vx1 - vx0) if turned else (vx1 - vx0, vy1 - vy0)
    part = image.resize(
        size,
        SCAN_FILTER,
        box=(box[0] * reduced_w, box[1] * reduced_h, box[2] * reduced_w, box[3] * reduced_h),
    )
    if op is not None:
        part = part.transpose(op)
    if (vx0, vy0, vx1, vy1) != area:
        page = Image.new(mode, (ax1 - ax0, ay1 - ay0), "white")
        page.paste(part, (vx0 - ax0, vy0 - ay0))
        part = page
    return part.convert("RGBA").tobytes("raw", "BGRA" if sys.byteorder == "little" else "RGBA")


def _source_box(
    op: Image.Transpose | None, x0: float, y0: float, x1: float, y1: float
) -> tuple[float, float, float, float]:
    """The part of the image (fractions of its width and height) that ``op`` turns into
    the part (x0, y0, x1, y1) of the image as drawn."""
    t = Image.Transpose
    boxes = {
        None: (x0, y0, x1, y1),
        t.FLIP_LEFT_RIGHT: (1 - x1, y0, 1 - x0, y1),
        t.FLIP_TOP_BOTTOM: (x0, 1 - y1, x1, 1 - y0),
        t.ROTATE_180: (1 - x1, 1 - y1, 1 - x0, 1 - y0),
        t.TRANSPOSE: (y0, x0, y1, x1),
        t.ROTATE_90: (1 - y1, x0, 1 - y0, x1),
        t.ROTATE_270: (y0, 1 - x1, y1, 1 - x0),
        t.TRANSVERSE: (1 - y1, 1 - x1, 1 - y0, 1 - x0),
    }
    return boxes[op]
