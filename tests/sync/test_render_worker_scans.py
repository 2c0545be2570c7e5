"""The render worker's fast path for scanned pages: one JPEG decoded by Pillow.

Real worker processes, real PDFs made here with Pillow and PyMuPDF.  Every page
is drawn twice: by a worker with the fast path and by one without it (MuPDF
alone, the behaviour before the fast path); the two must agree, and the
worker's counts must show which path drew the page.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymupdf
import pytest
from PIL import Image, ImageChops, ImageStat

from sync.render_worker import BYTES_PER_PIXEL, REASON_BROKEN_PAGE, Settings, worker_main
from sync.worker_pipe import load_answer, send

SIZE = (700, 900)  # the viewer's area: a portrait A4 page is about 636x900
_WORDS = "conseil municipal délibération budget primitif section école toiture devis voirie"


# --- documents --------------------------------------------------------------------------


def scan_image(colour: bool, dpi: int = 150) -> Image.Image:
    """An A4 page as a scanner sees it: lines of text, a coloured box, a grey margin."""
    doc = pymupdf.open()
    page = doc.new_page()
    for i in range(40):
        page.insert_text((50, 60 + i * 18), f"{i} {_WORDS}", fontsize=11)
    page.draw_rect(pymupdf.Rect(320, 600, 540, 790), color=(0.7, 0.1, 0.1), fill=(0.95, 0.85, 0.3))
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB if colour else pymupdf.csGRAY)
    doc.close()
    return Image.frombytes("RGB" if colour else "L", (pix.width, pix.height), pix.samples)


def jpeg(image: Image.Image, *, progressive: bool = False) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, progressive=progressive)
    return out.getvalue()


def scan_pdf(
    path: Path,
    stream: bytes,
    *,
    rotate: int = 0,
    rect: pymupdf.Rect | None = None,
    text: str | None = None,
    render_mode: int = 0,
    mask: bytes | None = None,
    second: bytes | None = None,
    content: str | None = None,
) -> Path:
    """A one-page PDF drawing ``stream`` (a JPEG) over ``rect`` (the page), with what is asked."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_image(rect or page.rect, stream=stream, mask=mask)
    if second is not None:
        page.insert_image(pymupdf.Rect(400, 50, 550, 150), stream=second)
    if text is not None:
        page.insert_text((60, 300), text, fontsize=14, render_mode=render_mode)
    if content is not None:
        doc.update_stream(page.get_contents()[0], content.encode())
    if rotate:
        page.set_rotation(rotate)
    doc.save(path)
    doc.close()
    return path


# --- workers ------------------------------------------------------------------------------


@dataclass
class Answer:
    kind: str  # "image" or "failed"
    width: int = 0
    height: int = 0
    pixels: bytes = b""
    code: str = ""
    reason: str = ""

    def image(self) -> Image.Image:
        mode = "BGRA" if sys.byteorder == "little" else "RGBA"
        return Image.frombytes("RGBA", (self.width, self.height), self.pixels, "raw", mode)


class Worker:
    """One render worker process and its side of the pipe."""

    def __init__(self, fast: bool) -> None:
        settings = Settings(
            memory_bytes=2 * 2**30,
            heavy_page_bytes=4 * 2**20,
            heavy_aa_level=4,
            preview_scale=0.25,
            max_pixels=16 * 2**20,
            store_budget_bytes=160 * 2**20,
            nice=0,
            scan_fast_path=fast,
        )
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, settings), daemon=True)
        self.process.start()
        child.close()
        assert self.conn.poll(60), "the worker did not start"
        assert load_answer(self.conn.recv_bytes())[0] == "ready"
        self.jobs = 0

    def _ask(self, job: tuple[object, ...]) -> tuple[object, ...]:
        send(self.conn, job)
        assert self.conn.poll(60), f"no answer to {job!r}"
        assert load_answer(self.conn.recv_bytes())[0] == "started"
        assert self.conn.poll(60), f"no answer to {job!r}"
        return load_answer(self.conn.recv_bytes())

    def render(
        self,
        path: Path,
        size: tuple[int, int] = SIZE,
        clip: tuple[int, int, int, int] | None = None,
    ) -> Answer:
        self.jobs += 1
        stat = path.stat()
        document = (str(path), stat.st_mtime_ns, stat.st_size)
        answer = self._ask(("render", self.jobs, document, 0, size[0], size[1], clip))
        if answer[0] == "failed":
            return Answer("failed", code=str(answer[2]), reason=str(answer[3]))
        assert answer[0] == "image", answer
        width, height = int(answer[3]), int(answer[4])  # type: ignore[call-overload]
        total = width * height * BYTES_PER_PIXEL
        pixels = bytearray()
        while len(pixels) < total:
            chunk = os.read(self.conn.fileno(), total - len(pixels))
            assert chunk, "the worker closed its pipe"
            pixels += chunk
        return Answer("image", width, height, bytes(pixels))

    def counts(self) -> dict[str, int]:
        self.jobs += 1
        answer = self._ask(("stats", self.jobs))
        assert answer[0] == "stats"
        return dict(answer[2])  # type: ignore[call-overload]

    def close(self) -> None:
        self.conn.send(None)  # stop
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


@pytest.fixture(scope="module")
def fast() -> Iterator[Worker]:
    worker = Worker(fast=True)
    yield worker
    worker.close()


@pytest.fixture(scope="module")
def mupdf() -> Iterator[Worker]:
    worker = Worker(fast=False)
    yield worker
    worker.close()


def mean_difference(a: Image.Image, b: Image.Image) -> list[float]:
    """Mean absolute difference per channel (R, G, B), out of 255."""
    return ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean


def drawn_by(worker: Worker, path: Path, **kwargs: object) -> tuple[str, Answer]:
    """Which path drew the page ("scan" or "mupdf"), and the answer."""
    before = worker.counts()
    answer = worker.render(path, **kwargs)  # type: ignore[arg-type]
    after = worker.counts()
    paths = [name for name in ("scan", "mupdf") if after[name] != before[name]]
    assert len(paths) <= 1
    return (paths[0] if paths else "none"), answer


#: Mean difference per channel allowed between the fast path and MuPDF, out of 255.  On
#: these pages of dense text, libjpeg-turbo's reduced-size inverse DCT and MuPDF's reduction
#: differ at the edges of the letters by up to 3.7 (1.2 without a reduced decode).
TOLERANCE = 4.0


def assert_same_page(fast_answer: Answer, reference: Answer, tolerance: float = TOLERANCE) -> None:
    assert fast_answer.kind == reference.kind == "image"
    assert (fast_answer.width, fast_answer.height) == (reference.width, reference.height)
    difference = mean_difference(fast_answer.image(), reference.image())
    assert max(difference) < tolerance, difference


# --- the fast path ------------------------------------------------------------------------


@pytest.mark.parametrize("colour", [True, False], ids=["colour", "grey"])
@pytest.mark.parametrize("progressive", [True, False], ids=["progressive", "baseline"])
def test_a_scanned_page_is_decoded_by_pillow_and_looks_as_mupdf_draws_it(
    tmp_path: Path, fast: Worker, mupdf: Worker, colour: bool, progressive: bool
) -> None:
    path = scan_pdf(tmp_path / "scan.pdf", jpeg(scan_image(colour), progressive=progressive))
    path_taken, answer = drawn_by(fast, path)
    assert path_taken == "scan"
    assert_same_page(answer, mupdf.render(path))
    # Fit to width, larger: the same.
    path_taken, answer = drawn_by(fast, path, size=(1200, 0))
    assert path_taken == "scan"
    assert_same_page(answer, mupdf.render(path, size=(1200, 0)))


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_a_turned_page_is_turned_the_same_way(
    tmp_path: Path, fast: Worker, mupdf: Worker, rotate: int
) -> None:
    path = scan_pdf(tmp_path / "turned.pdf", jpeg(scan_image(True)), rotate=rotate)
    path_taken, answer = drawn_by(fast, path)
    assert path_taken == "scan"
    reference = mupdf.render(path)
    assert (reference.width > reference.height) == (rotate != 180)  # landscape on screen
    assert_same_page(answer, reference)


def test_a_mirrored_image_is_mirrored(tmp_path: Path, fast: Worker, mupdf: Worker) -> None:
    image = jpeg(scan_image(False))
    plain = scan_pdf(tmp_path / "plain.pdf", image)
    name = pymupdf.open(plain)[0].get_images()[0][7]
    path = scan_pdf(
        tmp_path / "mirror.pdf", image, content=f"q -595 0 0 -842 595 842 cm /{name} Do Q"
    )
    path_taken, answer = drawn_by(fast, path)
    assert path_taken == "scan"
    assert_same_page(answer, mupdf.render(path))
    assert max(mean_difference(answer.image(), fast.render(plain).image())) > 10  # turned over


def test_a_scan_with_margins_sits_on_white_where_mupdf_puts_it(
    tmp_path: Path, fast: Worker, mupdf: Worker
) -> None:
    path = scan_pdf(
        tmp_path / "margins.pdf",
        jpeg(scan_image(True), progressive=True),
        rect=pymupdf.Rect(72.3, 100.7, 500.2, 700.1),
    )
    path_taken, answer = drawn_by(fast, path)
    assert path_taken == "scan"
    reference = mupdf.render(path)
    assert_same_page(answer, reference)
    corner = answer.image().convert("RGB").crop((0, 0, 40, 40))
    assert ImageStat.Stat(corner).extrema == [(255, 255)] * 3  # the page's white


@pytest.mark.parametrize("rotate", [0, 90])
def test_a_zoomed_part_of_a_scan_matches_the_same_part_of_the_whole_page(
    tmp_path: Path, fast: Worker, mupdf: Worker, rotate: int
) -> None:
    path = scan_pdf(tmp_path / "zoom.pdf", jpeg(scan_image(True, dpi=300)), rotate=rotate)
    size, clip = (1400, 0), (300, 250, 640, 480)  # 300 dpi: still reduced at this zoom
    path_taken, answer = drawn_by(fast, path, size=size, clip=clip)
    assert path_taken == "scan"
    assert (answer.width, answer.height) == (640, 480)
    # MuPDF's own drawing of a part decodes a sub-area, a fraction of a pixel off its
    # drawing of the whole page: the fast path is compared with the whole page.
    whole = mupdf.render(path, size=size).image()
    x, y, w, h = clip
    difference = mean_difference(answer.image(), whole.crop((x, y, x + w, y + h)))
    assert max(difference) < 5, difference


def test_an_invisible_ocr_layer_keeps_the_fast_path(
    tmp_path: Path, fast: Worker, mupdf: Worker
) -> None:
    path = scan_pdf(
        tmp_path / "ocr.pdf", jpeg(scan_image(True)), text="Texte reconnu", render_mode=3
    )
    path_taken, answer = drawn_by(fast, path)
    assert path_taken == "scan"
    assert_same_page(answer, mupdf.render(path))


# --- pages left to MuPDF --------------------------------------------------------------------


def cmyk_jpeg() -> bytes:
    return jpeg(scan_image(True, dpi=100).convert("CMYK"))


def png_mask() -> bytes:
    out = io.BytesIO()
    Image.new("L", (200, 280), 128).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "case",
    ["visible text", "cmyk", "soft mask", "two images", "enlarged"],
)
def test_pages_that_are_not_plain_scans_are_drawn_by_mupdf(
    tmp_path: Path, fast: Worker, mupdf: Worker, case: str
) -> None:
    scan = jpeg(scan_image(True, dpi=100))
    options: dict[str, object] = {
        "visible text": {"text": "Annoté à la main : vu le 3 mars"},
        "cmyk": {},
        "soft mask": {"mask": png_mask()},
        "two images": {"second": jpeg(scan_image(False, dpi=50))},
        "enlarged": {},
    }[case]  # type: ignore[assignment]
    stream = {
        "cmyk": cmyk_jpeg(),
        "enlarged": jpeg(scan_image(True, dpi=20)),
    }.get(case, scan)
    path = scan_pdf(tmp_path / "other.pdf", stream, **options)  # type: ignore[arg-type]
    path_taken, answer = drawn_by(fast, path)
    assert path_taken == "mupdf"
    reference = mupdf.render(path)
    assert answer.kind == "image"
    assert (answer.width, answer.height) == (reference.width, reference.height)
    assert answer.pixels == reference.pixels  # the same path, the same pixels


def damaged(stream: bytes, how: str) -> bytes:
    if how == "truncated":
        return stream[: len(stream) // 3]
    if how == "garbage":
        middle = len(stream) // 2
        return stream[:middle] + bytes(range(256)) * 40 + stream[middle + 10240 :]
    return b"\x00not a jpeg at all" * 500


@pytest.mark.parametrize("how", ["truncated", "garbage", "not a jpeg"])
@pytest.mark.parametrize("progressive", [True, False], ids=["progressive", "baseline"])
def test_a_damaged_jpeg_gets_the_same_answer_as_before(
    tmp_path: Path, fast: Worker, mupdf: Worker, how: str, progressive: bool
) -> None:
    good = jpeg(scan_image(True), progressive=progressive)
    path = scan_pdf(tmp_path / "good.pdf", good)
    # The same PDF, the image's stream replaced by damaged bytes.
    doc = pymupdf.open(path)
    xref = doc[0].get_images()[0][0]
    doc.update_stream(xref, damaged(good, how), compress=False)
    doc.xref_set_key(xref, "Filter", "/DCTDecode")
    broken = tmp_path / "broken.pdf"
    doc.save(broken)
    doc.close()
    answer, before = fast.render(broken), mupdf.render(broken)
    assert answer.kind == before.kind
    if before.kind == "failed":
        assert (answer.code, answer.reason) == (before.code, before.reason)
        assert answer.reason == REASON_BROKEN_PAGE
    else:
        assert (answer.width, answer.height) == (before.width, before.height)
    # The worker goes on.
    path_taken, _ = drawn_by(fast, path)
    assert path_taken == "scan"
