"""Benchmarks of page rendering: flipping pages on a seat, and the GUI thread while
seven seats flip at once.

Everything is real: ``DocumentViewer`` windows of 1920x1080 on Qt's offscreen
platform, the shared ``PageRenderer`` and its worker processes, PDFs made here
with PyMuPDF (a 120-page budget with tables, 300-dpi greyscale and colour scans,
dense vector plans of 40,000 paths).  A flip is timed from the call that asks
for the page (``next_page``) to the moment the page's full render is handed to
the viewer on the GUI thread (its ``page_displayed`` signal); the repaint that
follows is reported beside it.

poppler's ``pdftoppm`` renders the same pages at the same pixel size in the
same run (a process per page, PNG output, as the command is used), and PyMuPDF
called directly in this process gives the floor under the pipeline.
"""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before Qt is imported: no display needed

import random
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymupdf
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from bench.common import (
    BenchContext,
    Result,
    benchmark,
    latency_stats_ms,
    log,
    median,
    ns_to_ms,
    percentile,
    stopwatch,
)
from screens.app import application as table_application
from screens.document_viewer import DocumentViewer
from screens.render import PageRenderer

SEAT = (1920, 1080)
WAIT_S = 60.0
_WORDS = [
    *("conseil", "municipal", "délibération", "budget", "primitif", "section"),
    *("fonctionnement", "investissement", "école", "toiture", "devis", "voirie"),
    *("subvention", "travaux", "commune", "recettes", "dépenses", "chapitre"),
]


# --- the documents -------------------------------------------------------------------------


def budget_pdf(path: Path, pages: int = 120) -> Path:
    """A budget: a title, a paragraph and a 6-column table of figures on each A4 page."""
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page()
        page.insert_text((50, 50), f"Budget primitif 2027 — page {n + 1}", fontsize=16)
        lines = [" ".join(_WORDS[(n + i + k) % len(_WORDS)] for k in range(9)) for i in range(18)]
        page.insert_text((50, 80), lines, fontsize=10, lineheight=1.4)
        top, row, col = 370, 16, 82
        rules = [f"50 {842 - top - r * row} m 542 {842 - top - r * row} l" for r in range(27)]
        rules += [
            f"{50 + c * col} {842 - top} m {50 + c * col} {842 - top - 26 * row} l"
            for c in range(7)
        ]
        xref = page.get_contents()[0]
        stream = doc.xref_stream(xref) + ("\nq 0.5 w 0 G " + " ".join(rules) + " S Q\n").encode()
        doc.update_stream(xref, stream)
        for c in range(6):
            cells = [
                f"Chapitre {r + 10}" if c == 0 else f"{(n * 31 + r * 7 + c * 13) % 9999},{r:02d}"
                for r in range(26)
            ]
            page.insert_text((53 + c * col, top + 12), cells, fontsize=8, lineheight=2.0)
    doc.save(path, deflate=True, garbage=3)
    doc.close()
    return path


def scans_pdf(path: Path, pages: int, colour: bool) -> Path:
    """``pages`` different A4 pages scanned at 300 dpi (JPEG), as the photocopier makes them."""
    doc = pymupdf.open()
    space = pymupdf.csRGB if colour else pymupdf.csGRAY
    for n in range(pages):
        source = pymupdf.open()
        page = source.new_page()
        for i in range(45):
            words = " ".join(_WORDS[(n + i * 3 + k) % len(_WORDS)] for k in range(10))
            page.insert_text((50, 60 + i * 16), words, fontsize=11)
        page.draw_rect(
            pymupdf.Rect(320, 600, 540, 790), color=(0.7, 0.1, 0.1), fill=(0.95, 0.85, 0.3)
        )
        jpeg = page.get_pixmap(dpi=300, colorspace=space).tobytes("jpeg", jpg_quality=85)
        source.close()
        out = doc.new_page()
        out.insert_image(out.rect, stream=jpeg)
    doc.save(path)
    doc.close()
    return path


def plans_pdf(path: Path, pages: int, paths: int = 40_000) -> Path:
    """``pages`` A2 sheets, each of ``paths`` filled and stroked vector paths."""
    doc = pymupdf.open()
    for n in range(pages):
        rnd = random.Random(n)
        ops = ["q 0.3 w"]
        for i in range(paths):
            x, y = rnd.uniform(20, 1660), rnd.uniform(20, 1170)
            pts = [(x + rnd.uniform(-15, 15), y + rnd.uniform(-15, 15)) for _ in range(5)]
            ops.append(f"{rnd.random() * 0.5:.2f} 0 0.3 RG")
            start = f"{pts[0][0]:.1f} {pts[0][1]:.1f} m"
            if i % 3 == 0:
                ops.append(start + " " + " ".join(f"{a:.1f} {b:.1f}" for a, b in pts[1:4]) + " c S")
            else:
                shape = start + " " + " ".join(f"{a:.1f} {b:.1f} l" for a, b in pts[1:])
                ops.append(
                    f"0.9 0.95 {rnd.random():.2f} rg {shape} h B" if i % 2 else f"{shape} h S"
                )
        ops.append("Q")
        page = doc.new_page(width=1684, height=1191)
        page.insert_text((40, 40), f"Plan de zonage — feuille {n + 1}", fontsize=20)
        xref = page.get_contents()[0]
        doc.update_stream(xref, doc.xref_stream(xref) + ("\n" + "\n".join(ops) + "\n").encode())
    doc.save(path, deflate=True)
    doc.close()
    return path


@dataclass(frozen=True)
class Documents:
    budget: Path
    scans: Path
    colour_scans: Path
    plans: Path


def documents(ctx: BenchContext) -> Documents:
    cached = ctx.cache.get("render_documents")
    if isinstance(cached, Documents):
        return cached
    folder = ctx.workdir("render-documents")
    log("  making the documents (budget, scans, plans)…")
    prepared = Documents(
        budget=budget_pdf(folder / "budget.pdf"),
        scans=scans_pdf(folder / "scans.pdf", 6 if ctx.quick else 16, colour=False),
        colour_scans=scans_pdf(folder / "scans-couleur.pdf", 3 if ctx.quick else 11, colour=True),
        plans=plans_pdf(folder / "plans.pdf", 2 if ctx.quick else 5),
    )
    ctx.cache["render_documents"] = prepared
    return prepared


# --- Qt without a display ------------------------------------------------------------------


def application() -> QApplication:
    """The one QApplication of the benchmark process, set up as the table's
    (its theme, and the garbage collector run from the GUI thread's timer)."""
    return table_application(["render-bench"])


def spin_until(predicate: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    """Run the event loop (blocked in it, not spinning) until ``predicate`` holds."""
    if predicate():
        return
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(2)
    poll.timeout.connect(lambda: loop.quit() if predicate() else None)
    poll.start()
    QTimer.singleShot(round(timeout_s * 1000), loop.quit)
    loop.exec()
    poll.stop()
    if not predicate():
        raise RuntimeError(f"still waiting after {timeout_s:.0f} s")


def seat_viewer(renderer: PageRenderer, *, thumbnails: bool = True) -> DocumentViewer:
    viewer = DocumentViewer(renderer)
    viewer.resize(*SEAT)
    viewer.thumbnail_strip.setVisible(thumbnails)
    viewer.show()
    return viewer


def open_document(viewer: DocumentViewer, path: Path, title: str) -> None:
    shown: list[int] = []
    viewer.page_displayed.connect(shown.append)
    viewer.open_document(path, title)
    spin_until(lambda: bool(shown))
    viewer.page_displayed.disconnect(shown.append)


@dataclass
class Flip:
    """One flip: ns from the request to the preview (heavy pages), the full render, the repaint."""

    preview_ns: int | None
    displayed_ns: int
    painted_ns: int


def flip(viewer: DocumentViewer, page: int) -> Flip:
    """Go to ``page`` and wait for its full render; the times on the GUI thread."""
    marks: dict[str, int] = {}
    loop = QEventLoop()

    def on_preview(_page: int) -> None:
        marks.setdefault("preview", time.perf_counter_ns())

    def on_displayed(shown_page: int) -> None:
        if shown_page == page and "displayed" not in marks:
            marks["displayed"] = time.perf_counter_ns()
            viewer.canvas.viewport().repaint()  # what the councillor sees, synchronously
            marks["painted"] = time.perf_counter_ns()
            loop.quit()

    viewer.preview_displayed.connect(on_preview)
    viewer.page_displayed.connect(on_displayed)
    start = time.perf_counter_ns()
    viewer.set_page(page)
    if "displayed" not in marks:
        QTimer.singleShot(round(WAIT_S * 1000), loop.quit)
        loop.exec()
    viewer.preview_displayed.disconnect(on_preview)
    viewer.page_displayed.disconnect(on_displayed)
    if "displayed" not in marks:
        raise RuntimeError(f"page {page} was not displayed: {viewer.message()!r}")
    preview = marks.get("preview")
    return Flip(
        None if preview is None else preview - start,
        marks["displayed"] - start,
        marks["painted"] - start,
    )


def wait_idle(renderer: PageRenderer) -> None:
    """Until every request (prefetches, thumbnails) is made and done.

    The viewers ask for the neighbours of a page one pass of the event loop
    after it is shown (their work is spread over passes): the loop runs for a
    few milliseconds first, as it does between two touches of a councillor.
    """
    settled = time.perf_counter() + 0.02
    spin_until(lambda: time.perf_counter() >= settled and renderer.pending() == 0)


# --- the baselines -------------------------------------------------------------------------


def pdftoppm_ms(pdf: Path, page: int, dpi: float, out: Path) -> float:
    """Wall time of ``pdftoppm -r DPI -f N -l N -png``: one page, as a separate process."""
    with stopwatch() as t:
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                f"{dpi:.4f}",
                "-f",
                str(page),
                "-l",
                str(page),
                "-png",
                str(pdf),
                str(out),
            ],
            check=True,
            capture_output=True,
        )
    return ns_to_ms(t[0])


def pymupdf_ms(pdf: Path, pages: list[int], width_px: int) -> list[float]:
    """PyMuPDF called directly on this thread, each page once: the floor under the pipeline."""
    samples = []
    with pymupdf.open(pdf) as doc:
        for page in pages:
            p = doc[page - 1]
            zoom = width_px / p.rect.width
            with stopwatch() as t:
                p.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
            samples.append(ns_to_ms(t[0]))
    return samples


def compare_pdftoppm(
    ctx: BenchContext, pdf: Path, pages: list[int], width_px: int
) -> tuple[list[float], float]:
    """pdftoppm on ``pages`` at the width the viewer rendered; its times and its dpi."""
    with pymupdf.open(pdf) as doc:
        dpi = 72 * width_px / doc[pages[0] - 1].rect.width
    out = ctx.workdir("pdftoppm") / "page"
    return [pdftoppm_ms(pdf, page, dpi, out) for page in pages], dpi


# --- 1. flipping to a page rendered in advance ------------------------------------------------


@benchmark("render.flip_prefetched")
def flip_prefetched(ctx: BenchContext) -> Result:
    """Flip to the next page once its neighbours are rendered: a cache lookup and a paint."""
    docs = documents(ctx)
    app = application()
    renderer = PageRenderer()
    try:
        viewer = seat_viewer(renderer)
        samples: dict[str, list[Flip]] = {}
        sizes: dict[str, str] = {}
        plan = [
            ("text", docs.budget, 25 if ctx.quick else 100),
            ("scan", docs.scans, 5 if ctx.quick else 15),
        ]
        for kind, path, flips in plan:
            log(f"  {kind}: {flips} prefetched flips…")
            open_document(viewer, path, kind)
            runs = []
            for page in range(2, flips + 2):
                wait_idle(renderer)
                runs.append(flip(viewer, page))
            samples[kind] = runs
            image = viewer.displayed_image()
            sizes[kind] = f"{image.width()}x{image.height()}" if image else "?"
        viewer.close()
        app.processEvents()
    finally:
        renderer.close()

    text = [s.displayed_ns for s in samples["text"]]
    stats = latency_stats_ms(text)
    value = stats["median_ms"]
    everything = text + [s.displayed_ns for s in samples["scan"]]
    painted = [s.painted_ns for s in samples["text"]]
    extra: dict[str, Any] = {
        **{k: v for k, v in stats.items() if k != "median_ms"},
        "median_ms": value,
        "n": len(text),
        "page_px": sizes["text"],
        "scan_median_ms": median([ns_to_ms(s.displayed_ns) for s in samples["scan"]]),
        "scan_p95_ms": percentile([ns_to_ms(s.displayed_ns) for s in samples["scan"]], 95),
        "all_p95_ms": percentile([ns_to_ms(s) for s in everything], 95),
        "with_repaint_median_ms": median([ns_to_ms(s) for s in painted]),
        "with_repaint_p95_ms": percentile([ns_to_ms(s) for s in painted], 95),
        "screen": "1920x1080 viewer, offscreen",
    }
    return Result(
        "render.flip_prefetched",
        value,
        "ms",
        16,
        "lower",
        extra,
        summary=(
            f"prefetched flip: median {value:.2f} ms, p95 {extra['p95_ms']:.2f} ms "
            f"({extra['page_px']} px; scans median {extra['scan_median_ms']:.2f} ms; "
            f"with the repaint {extra['with_repaint_median_ms']:.2f} ms)"
        ),
    )


# --- 2. flipping to a page nobody rendered yet ------------------------------------------------


@benchmark("render.flip_cold")
def flip_cold(ctx: BenchContext) -> Result:
    """Flip to a page not rendered before (no prefetch): text, 300-dpi scans, dense plans.

    The document is already open in the workers, as when a councillor flips
    through it; the thumbnail strip is hidden so that no thumbnail warms
    MuPDF's image cache for the page about to be shown.
    """
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm (poppler-utils) is not installed")
    docs = documents(ctx)
    app = application()
    renderer = PageRenderer()
    runs: dict[str, list[Flip]] = {}
    pages: dict[str, list[int]] = {}
    widths: dict[str, int] = {}
    sizes: dict[str, str] = {}
    try:
        viewer = seat_viewer(renderer, thumbnails=False)
        viewer.prefetch_pages = 0
        with pymupdf.open(docs.scans) as d:
            scan_pages = d.page_count
        with pymupdf.open(docs.colour_scans) as d:
            colour_pages = d.page_count
        with pymupdf.open(docs.plans) as d:
            plan_pages = d.page_count
        text_flips = 15 if ctx.quick else 60
        plan = [
            ("text", docs.budget, list(range(2, text_flips + 2))),
            ("scan", docs.scans, list(range(2, scan_pages + 1))),
            ("colour_scan", docs.colour_scans, list(range(2, colour_pages + 1))),
            ("plan", docs.plans, list(range(2, plan_pages + 1))),
        ]
        for kind, path, flips in plan:
            log(f"  {kind}: {len(flips)} cold flips…")
            open_document(viewer, path, kind)
            wait_idle(renderer)
            runs[kind] = []
            for page in flips:
                wait_idle(renderer)
                runs[kind].append(flip(viewer, page))
            pages[kind] = flips
            image = viewer.displayed_image()
            assert image is not None
            widths[kind] = image.width()
            sizes[kind] = f"{image.width()}x{image.height()}"
        viewer.close()
        app.processEvents()
    finally:
        renderer.close()

    def ms(kind: str) -> list[float]:
        return [ns_to_ms(f.displayed_ns) for f in runs[kind]]

    log("  the same pages with pdftoppm and with PyMuPDF in this process…")
    baseline_pages = {kind: flips[:20] for kind, flips in pages.items()}
    paths = {
        "text": docs.budget,
        "scan": docs.scans,
        "colour_scan": docs.colour_scans,
        "plan": docs.plans,
    }
    poppler: dict[str, list[float]] = {}
    dpis: dict[str, float] = {}
    direct: dict[str, list[float]] = {}
    for kind, subset in baseline_pages.items():
        poppler[kind], dpis[kind] = compare_pdftoppm(ctx, paths[kind], subset, widths[kind])
        direct[kind] = pymupdf_ms(paths[kind], subset, widths[kind])

    text = ms("text")
    value = median(text)
    plan_full = ms("plan")
    plan_preview = [ns_to_ms(f.preview_ns) for f in runs["plan"] if f.preview_ns is not None]
    extra: dict[str, Any] = {
        "median_ms": value,
        "p95_ms": percentile(text, 95),
        "max_ms": max(text),
        "n": len(text),
        "page_px": sizes["text"],
        "scan_median_ms": median(ms("scan")),
        "scan_p95_ms": percentile(ms("scan"), 95),
        "scan_target_ms": 100,
        "scan_meets_target": median(ms("scan")) <= 100,
        "scan_px": sizes["scan"],
        "scan_n": len(runs["scan"]),
        "colour_scan_median_ms": median(ms("colour_scan")),
        "colour_scan_p95_ms": percentile(ms("colour_scan"), 95),
        "colour_scan_n": len(runs["colour_scan"]),
        "colour_scan_meets_target": median(ms("colour_scan")) <= 100,
        "plan_preview_median_ms": median(plan_preview) if plan_preview else None,
        "plan_previews": len(plan_preview),
        "plan_full_median_ms": median(plan_full),
        "plan_full_max_ms": max(plan_full),
        "plan_full_target_ms": 600,
        "plan_meets_target": median(plan_full) <= 600,
        "plan_px": sizes["plan"],
        "plan_n": len(plan_full),
    }
    for kind in ("text", "scan", "colour_scan", "plan"):
        ours = median(ms(kind)[: len(baseline_pages[kind])])
        extra[f"pdftoppm_{kind}_median_ms"] = median(poppler[kind])
        extra[f"pdftoppm_{kind}_ratio"] = median(poppler[kind]) / ours
        extra[f"pymupdf_direct_{kind}_median_ms"] = median(direct[kind])
    extra["pdftoppm_dpi_text"] = dpis["text"]
    return Result(
        "render.flip_cold",
        value,
        "ms",
        30,
        "lower",
        extra,
        summary=(
            f"cold flip: text median {value:.1f} ms (p95 {extra['p95_ms']:.1f}); "
            f"scan {extra['scan_median_ms']:.1f} ms, colour scan "
            f"{extra['colour_scan_median_ms']:.1f} ms (target 100); plan preview "
            f"{extra['plan_preview_median_ms'] or float('nan'):.0f} ms, full "
            f"{extra['plan_full_median_ms']:.0f} ms (target 600); pdftoppm is "
            f"{extra['pdftoppm_text_ratio']:.1f}x (text), {extra['pdftoppm_scan_ratio']:.1f}x (scan), "
            f"{extra['pdftoppm_colour_scan_ratio']:.1f}x (colour scan), "
            f"{extra['pdftoppm_plan_ratio']:.1f}x (plan) slower"
        ),
    )


# --- 3. the GUI thread while seven seats flip ---------------------------------------------------


def memory_mb(pid: int, field: str) -> float:
    """A process's ``Rss`` or ``Pss`` (its share of pages shared with others), in MB."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@benchmark("render.gui_stall_seven_seats")
def gui_stall_seven_seats(ctx: BenchContext) -> Result:
    """Seven 1920x1080 viewers in one process, all flipping at once; a 1 ms heartbeat
    timer on the GUI thread records the longest gap between its ticks."""
    docs = documents(ctx)
    app = application()
    renderer = PageRenderer()
    seconds = 6.0 if ctx.quick else 20.0
    interval_ms = 400
    rss_before = memory_mb(os.getpid(), "Rss")
    try:
        seats = [seat_viewer(renderer) for _ in range(7)]
        assignments = [docs.budget] * 4 + [docs.scans] * 2 + [docs.plans]
        for n, (viewer, path) in enumerate(zip(seats, assignments, strict=True)):
            open_document(viewer, path, f"Place {n + 1}")
        wait_idle(renderer)
        flips = [0]
        displayed = [0]
        for viewer in seats:
            viewer.page_displayed.connect(lambda _page: displayed.__setitem__(0, displayed[0] + 1))

        def flip_all() -> None:
            for viewer in seats:
                page = viewer.current_page() + 1
                viewer.set_page(page if page <= viewer.page_count() else 1)
                flips[0] += 1

        gaps: list[int] = []
        last = [time.perf_counter_ns()]

        def beat() -> None:
            now = time.perf_counter_ns()
            gaps.append(now - last[0])
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(1)
        heartbeat.timeout.connect(beat)
        flipper = QTimer()
        flipper.setTimerType(Qt.TimerType.PreciseTimer)
        flipper.setInterval(interval_ms)
        flipper.timeout.connect(flip_all)
        log(f"  seven seats flipping every {interval_ms} ms for {seconds:.0f} s…")
        done = QEventLoop()
        QTimer.singleShot(round(seconds * 1000), done.quit)
        last[0] = time.perf_counter_ns()
        heartbeat.start()
        flipper.start()
        done.exec()
        flipper.stop()
        heartbeat.stop()
        wait_idle(renderer)
        workers = renderer.worker_pids()
        rss_main = memory_mb(os.getpid(), "Rss")
        rss_workers = sum(memory_mb(pid, "Rss") for pid in workers)
        pss_total = memory_mb(os.getpid(), "Pss") + sum(memory_mb(pid, "Pss") for pid in workers)
        cache_mb = renderer.cache_bytes() / 2**20
        for viewer in seats:
            viewer.close()
        app.processEvents()
    finally:
        renderer.close()

    stats = latency_stats_ms(gaps)
    value = stats["max_ms"]
    extra: dict[str, Any] = {
        "max_gap_ms": value,
        "p99_gap_ms": stats["p99_ms"],
        "p95_gap_ms": stats["p95_ms"],
        "median_gap_ms": stats["median_ms"],
        "beats": len(gaps),
        "flips": flips[0],
        "pages_displayed": displayed[0],
        "seconds": seconds,
        "flip_interval_ms": interval_ms,
        "seats": "4 budget, 2 scans, 1 plan",
        "rss_main_mb": rss_main,
        "rss_main_before_mb": rss_before,  # what earlier benchmarks of the run left
        "rss_workers_mb": rss_workers,
        "rss_total_mb": rss_main + rss_workers,
        "pss_total_mb": pss_total,
        "rss_target_mb": 600,
        "cache_mb": cache_mb,
    }
    return Result(
        "render.gui_stall_seven_seats",
        value,
        "ms",
        16,
        "lower",
        extra,
        summary=(
            f"GUI thread, 7 seats flipping: longest gap {value:.1f} ms, p99 "
            f"{stats['p99_ms']:.2f} ms over {len(gaps)} beats; {displayed[0]} pages displayed "
            f"for {flips[0]} flips; RSS {rss_main:.0f} MB + workers {rss_workers:.0f} MB"
        ),
    )
