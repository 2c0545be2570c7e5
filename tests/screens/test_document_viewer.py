"""The document viewer and its page renderer on real PDFs, real worker processes.

The documents are made here with PyMuPDF: a 120-page budget with tables, a
300-dpi scanned page, a dense vector plan (40,000 paths) and damaged files.
Nothing is timed: each test waits for the signal that says a page is on
screen, then looks at what is displayed.
"""

import gc
import os
import random
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QWidget
from pytestqt.qtbot import QtBot

from bench.render_bench import budget_pdf
from screens.document_viewer import DocumentViewer, FitMode
from screens.render import PRIORITY_VISIBLE, PageRenderer
from tests.screens.readability import page_scale

WAIT_MS = 30_000  # a shared two-core machine: generous, never a measure
BUDGET_PAGES = 120
_WORDS = [
    *("conseil", "municipal", "délibération", "budget", "primitif", "section"),
    *("fonctionnement", "investissement", "école", "toiture", "devis", "voirie"),
    *("subvention", "travaux", "commune", "recettes", "dépenses", "chapitre"),
]


# --- the documents ------------------------------------------------------------------------


@dataclass(frozen=True)
class Documents:
    budget: Path  # 120 pages of text and tables
    scan: Path  # one page: a 300-dpi greyscale scan
    plan: Path  # one A2 page of 40,000 vector paths
    damaged: Path  # not a PDF at all
    truncated: Path  # says 5 pages, holds 3


def scan_pdf(path: Path) -> Path:
    """A page as the photocopier scans it: an A4 greyscale JPEG at 300 dpi."""
    source = pymupdf.open()
    page = source.new_page()
    for i in range(45):
        words = " ".join(_WORDS[(i * 3 + k) % len(_WORDS)] for k in range(10))
        page.insert_text((50, 60 + i * 16), words, fontsize=11)
    jpeg = page.get_pixmap(dpi=300, colorspace=pymupdf.csGRAY).tobytes("jpeg", jpg_quality=85)
    source.close()
    doc = pymupdf.open()
    out = doc.new_page()
    out.insert_image(out.rect, stream=jpeg)
    doc.save(path)
    doc.close()
    return path


def plan_pdf(path: Path, paths: int = 40_000) -> Path:
    """A dense vector plan: an A2 sheet of tens of thousands of filled and stroked paths."""
    rnd = random.Random(7)
    ops = ["q 0.3 w"]
    for i in range(paths):
        x, y = rnd.uniform(20, 1660), rnd.uniform(20, 1170)
        pts = [(x + rnd.uniform(-15, 15), y + rnd.uniform(-15, 15)) for _ in range(5)]
        ops.append(f"{rnd.random() * 0.5:.2f} 0 0.3 RG")
        if i % 3 == 0:
            curve = " ".join(f"{a:.1f} {b:.1f}" for a, b in pts[1:4])
            ops.append(f"{pts[0][0]:.1f} {pts[0][1]:.1f} m {curve} c S")
        else:
            shape = " ".join(
                [f"{pts[0][0]:.1f} {pts[0][1]:.1f} m"] + [f"{a:.1f} {b:.1f} l" for a, b in pts[1:]]
            )
            ops.append(f"0.9 0.95 {rnd.random():.2f} rg {shape} h B" if i % 2 else f"{shape} h S")
    ops.append("Q")
    doc = pymupdf.open()
    page = doc.new_page(width=1684, height=1191)
    page.insert_text((40, 40), "Plan de zonage", fontsize=20)
    xref = page.get_contents()[0]
    doc.update_stream(xref, doc.xref_stream(xref) + ("\n" + "\n".join(ops) + "\n").encode())
    doc.save(path, deflate=True)
    doc.close()
    return path


def truncated_pdf(path: Path) -> Path:
    """A PDF whose page tree announces 5 pages and holds 3: pages 4 and 5 are broken."""
    doc = pymupdf.open()
    for n in range(3):
        doc.new_page().insert_text((72, 72), f"Délibération — page {n + 1}", fontsize=14)
    data = doc.tobytes()
    doc.close()
    assert data.count(b"/Count 3") == 1
    path.write_bytes(data.replace(b"/Count 3", b"/Count 5"))
    return path


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Documents:
    folder = tmp_path_factory.mktemp("documents")
    damaged = folder / "abime.pdf"
    damaged.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    return Documents(
        budget=budget_pdf(folder / "budget.pdf", BUDGET_PAGES),
        scan=scan_pdf(folder / "scan.pdf"),
        plan=plan_pdf(folder / "plan.pdf"),
        damaged=damaged,
        truncated=truncated_pdf(folder / "tronque.pdf"),
    )


# --- the renderer and the viewer --------------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def close_and_check(qtbot: QtBot, renderer: PageRenderer) -> None:
    """Close ``renderer`` and check that none of its worker processes is left."""
    pids = renderer.worker_pids()
    renderer.close()
    assert renderer.worker_pids() == []
    qtbot.waitUntil(lambda: not any(alive(pid) for pid in pids), timeout=WAIT_MS)


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """Free the cycles a test leaves (qtbot's blockers, lambdas) here, on the GUI thread:
    if the collector ran on a render thread, the Qt objects in them would die there."""
    yield
    gc.collect()


@pytest.fixture
def renderer(qapp: QApplication, qtbot: QtBot) -> Iterator[PageRenderer]:
    renderer = PageRenderer()
    yield renderer
    close_and_check(qtbot, renderer)


def make_viewer(qtbot: QtBot, renderer: PageRenderer) -> DocumentViewer:
    viewer = DocumentViewer(renderer)
    qtbot.addWidget(viewer)
    viewer.resize(1920, 1080)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


@pytest.fixture
def viewer(qtbot: QtBot, renderer: PageRenderer) -> DocumentViewer:
    return make_viewer(qtbot, renderer)


def open_and_wait(
    qtbot: QtBot, viewer: DocumentViewer, path: Path, title: str, page: int = 1
) -> None:
    with (
        qtbot.waitSignal(viewer.document_opened, timeout=WAIT_MS),
        qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS),
    ):
        viewer.open_document(path, title, page)


def ink(image: QImage | None) -> int:
    """How many colour bytes of ``image`` are not white (0: a blank page)."""
    assert image is not None
    assert not image.isNull()
    data = bytes(image.constBits())
    return len(data) - data.count(255)


def shown(viewer: DocumentViewer) -> QImage:
    image = viewer.displayed_image()
    assert image is not None
    assert viewer.displayed_is_exact()
    return image


# --- opening and flipping ---------------------------------------------------------------------


def test_opens_a_budget_and_shows_its_first_page(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    with qtbot.waitSignal(viewer.document_opened, timeout=WAIT_MS) as opened:
        viewer.open_document(documents.budget, "Budget primitif 2027")
    assert opened.args == ["Budget primitif 2027"]
    if not viewer.displayed_is_exact():
        assert viewer.message() == "Chargement de la page…"
        qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS).wait()

    assert viewer.current_page() == 1
    assert viewer.page_count() == BUDGET_PAGES
    assert viewer.page_label.text() == "Page 1 / 120"
    assert viewer.title_label.text() == "Budget primitif 2027"
    assert ink(shown(viewer)) > 10_000
    assert viewer.message() == ""
    assert not viewer.previous_button.isEnabled()
    assert viewer.next_button.isEnabled()


def test_a_page_not_rendered_yet_shows_a_placeholder(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget")
    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS) as displayed:
        viewer.set_page(50)  # far from the prefetched neighbours
        # Answers always come later, by signal: the page is not there yet.
        assert viewer.message() == "Chargement de la page…"
        assert not viewer.displayed_is_exact()
        assert viewer.page_label.text() == "Page 50 / 120"
    assert displayed.args == [50]
    assert viewer.message() == ""


def test_flips_with_buttons_and_keys(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget primitif 2027", page=1)
    seen = {1: bytes(shown(viewer).constBits())}

    def flip(action: object, expected: int) -> None:
        with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS) as displayed:
            if isinstance(action, Qt.Key):
                qtbot.keyClick(viewer, action)
            else:
                qtbot.mouseClick(action, Qt.MouseButton.LeftButton)
        assert displayed.args == [expected]
        assert viewer.current_page() == expected
        assert viewer.page_label.text() == f"Page {expected} / 120"
        image = shown(viewer)
        assert ink(image) > 10_000
        pixels = bytes(image.constBits())
        assert all(pixels != other for page, other in seen.items() if page != expected)
        seen[expected] = pixels

    flip(viewer.next_button, 2)
    flip(viewer.next_button, 3)
    flip(viewer.previous_button, 2)
    flip(Qt.Key.Key_PageDown, 3)
    flip(Qt.Key.Key_Right, 4)
    flip(Qt.Key.Key_PageUp, 3)
    flip(Qt.Key.Key_Left, 2)
    flip(Qt.Key.Key_End, 120)
    assert not viewer.next_button.isEnabled()
    flip(Qt.Key.Key_Home, 1)
    assert not viewer.previous_button.isEnabled()


def test_the_neighbours_of_the_page_shown_are_rendered_ahead(
    qtbot: QtBot, viewer: DocumentViewer, renderer: PageRenderer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget", page=5)
    shown_key = viewer._shown_key
    assert shown_key is not None

    def neighbours_cached() -> bool:
        keys = [shown_key._replace(page=page) for page in (3, 5)]  # pages 4 and 6, 0-based
        return all(renderer.cache.get(key) is not None for key in keys)

    qtbot.waitUntil(neighbours_cached, timeout=WAIT_MS)
    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS) as displayed:
        viewer.next_page()
        # Already rendered: shown at once, without a placeholder.
        assert viewer.displayed_is_exact()
        assert viewer.message() == ""
    assert displayed.args == [6]


def test_seven_viewers_flipping_at_once_repaint_one_window_a_pass(
    qtbot: QtBot, renderer: PageRenderer, documents: Documents
) -> None:
    viewers = [make_viewer(qtbot, renderer) for _ in range(7)]
    for viewer in viewers:
        open_and_wait(qtbot, viewer, documents.budget, "Budget", page=2)
    qtbot.waitUntil(lambda: renderer.pending() == 0, timeout=WAIT_MS)
    qtbot.wait(200)  # the strips have followed; everything is painted
    painted: list[list[int]] = []  # per pass of the event loop: the viewers whose page repainted
    current: list[int] = []

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                for n, viewer in enumerate(viewers):
                    if watched is viewer.canvas.viewport():
                        current.append(n)
            return False

    watch = Watch()
    for viewer in viewers:
        viewer.canvas.viewport().installEventFilter(watch)
    for viewer in viewers:  # the mayor projects page 3: every seat flips in one go
        viewer.set_page(3)
    assert all(viewer.displayed_is_exact() for viewer in viewers)  # prefetched: at once
    for _ in range(40):
        QApplication.processEvents()
        painted.append(current[:])
        current.clear()
    assert sorted(n for one_pass in painted for n in one_pass) == list(range(7))
    assert max(len(one_pass) for one_pass in painted) == 1


def test_page_changed_and_set_page_are_one_based_and_clamped(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget", page=40)
    assert viewer.current_page() == 40
    with qtbot.waitSignal(viewer.page_changed, timeout=WAIT_MS) as changed:
        viewer.set_page(500)
    assert changed.args == [120]
    with qtbot.waitSignal(viewer.page_changed, timeout=WAIT_MS) as changed:
        viewer.set_page(0)
    assert changed.args == [1]


class TouchScreen:
    """Fingers on a widget, sent through its window as the touch screen's driver does."""

    def __init__(self, widget: QWidget) -> None:
        self.widget = widget
        self.device = QTest.createTouchDevice()
        window = widget.window().windowHandle()
        assert window is not None
        self.window = window

    def send(self, *touches: tuple[str, int, QPoint]) -> None:
        """One touch event: ("press" | "move" | "release", finger, point in the widget)."""
        sequence = QTest.touchEvent(self.window, self.device, False)
        for action, finger, point in touches:
            getattr(sequence, action)(finger, self.widget.mapTo(self.widget.window(), point))
        sequence.commit()

    def swipe(self, start: QPoint, end: QPoint) -> None:
        self.send(("press", 0, start))
        self.send(("move", 0, (start + end) / 2))
        self.send(("release", 0, end))


def test_a_swipe_flips_the_page(qtbot: QtBot, viewer: DocumentViewer, documents: Documents) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget", page=5)
    screen = TouchScreen(viewer.canvas.viewport())
    y = viewer.canvas.viewport().height() // 2
    with qtbot.waitSignal(viewer.page_changed, timeout=WAIT_MS) as changed:
        screen.swipe(QPoint(1200, y), QPoint(600, y + 20))
    assert changed.args == [6]
    with qtbot.waitSignal(viewer.page_changed, timeout=WAIT_MS) as changed:
        screen.swipe(QPoint(500, y), QPoint(1100, y))
    assert changed.args == [5]
    # A short or mostly vertical drag is not a swipe.
    screen.swipe(QPoint(800, y), QPoint(760, y))
    screen.swipe(QPoint(800, 100), QPoint(600, 700))
    assert viewer.current_page() == 5


def test_a_pinch_zooms_in(qtbot: QtBot, viewer: DocumentViewer, documents: Documents) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget")
    screen = TouchScreen(viewer.canvas.viewport())
    center = viewer.canvas.viewport().rect().center()
    left, right = QPoint(-100, 0), QPoint(100, 0)
    screen.send(("press", 0, center + left), ("press", 1, center + right))
    screen.send(("move", 0, center + left * 2), ("move", 1, center + right * 2))
    screen.send(("release", 0, center + left * 2), ("release", 1, center + right * 2))
    assert viewer.zoom() == pytest.approx(2.0, rel=0.05)
    assert viewer.current_page() == 1  # a pinch is not a swipe
    qtbot.waitUntil(lambda: viewer.detail_image() is not None, timeout=WAIT_MS)


def test_tapping_a_thumbnail_opens_its_page_and_thumbnails_render_lazily(
    qtbot: QtBot, viewer: DocumentViewer, renderer: PageRenderer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget")
    strip = viewer.thumbnail_strip
    first = strip.model().index(0, 0)

    def thumbnails() -> int:
        return sum(
            1 for key in renderer.cache.cached_keys() if key.width <= 150 and key.height <= 200
        )

    qtbot.waitUntil(lambda: thumbnails() > 0, timeout=WAIT_MS)
    third = strip.model().index(2, 0)
    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS) as displayed:
        qtbot.mouseClick(
            strip.viewport(), Qt.MouseButton.LeftButton, pos=strip.visualRect(third).center()
        )
    assert displayed.args == [3]
    assert strip.currentIndex().row() == 2
    assert strip.visualRect(first).isValid()
    qtbot.waitUntil(lambda: renderer.pending() == 0, timeout=WAIT_MS)
    # Only the thumbnails the strip painted were rendered, not all 120.
    assert 0 < thumbnails() < 20


def test_buttons_are_big_and_in_french(viewer: DocumentViewer) -> None:
    buttons = {
        viewer.previous_button: "Page précédente",
        viewer.next_button: "Page suivante",
        viewer.fit_width_button: "Ajuster à la largeur",
        viewer.fit_page_button: "Page entière",
        viewer.zoom_in_button: "Zoom +",
        viewer.zoom_out_button: "Zoom −",
    }
    for button, text in buttons.items():
        assert button.accessibleName() == text  # said in full; shown short on the button
        assert button.toolTip() == text
        assert button.height() >= 64
        assert button.width() >= 64


# --- sizes, zoom and the cache ----------------------------------------------------------------


def test_fit_to_width_and_fit_to_page_render_at_the_canvas_size(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget")
    ratio = viewer.canvas.viewport().devicePixelRatioF()
    view_w = round(viewer.canvas.viewport().width() * ratio)
    view_h = round(viewer.canvas.viewport().height() * ratio)
    # A portrait page is fitted to the width by default: its text at reading size.
    wide = shown(viewer).size()
    assert viewer.fit_mode() is FitMode.WIDTH
    assert viewer.fit_width_button.isChecked()
    assert abs(wide.width() - view_w) <= 2
    assert wide.height() > view_h

    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS):
        qtbot.mouseClick(viewer.fit_page_button, Qt.MouseButton.LeftButton)
    whole = shown(viewer).size()
    assert viewer.fit_mode() is FitMode.PAGE
    assert abs(whole.height() - view_h) <= 2
    assert whole.width() < view_w
    assert wide.width() > whole.width()

    # The councillor's choice holds for the next pages of the document.
    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS):
        qtbot.mouseClick(viewer.next_button, Qt.MouseButton.LeftButton)
    assert viewer.fit_mode() is FitMode.PAGE
    assert shown(viewer).size() == whole

    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS):
        qtbot.mouseClick(viewer.fit_width_button, Qt.MouseButton.LeftButton)
    assert shown(viewer).size() == wide


def test_the_reading_mode_gives_the_page_the_whole_window_one_touch_in_one_out(
    qtbot: QtBot, renderer: PageRenderer, documents: Documents
) -> None:
    # The viewer beside a column, as at a seat: a third of the window or so.
    window = QWidget()
    qtbot.addWidget(window)
    row = QHBoxLayout(window)
    side = QLabel("Ordre du jour")
    side.setFixedWidth(900)
    row.addWidget(side)
    viewer = DocumentViewer(renderer, window)
    row.addWidget(viewer, 1)
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    open_and_wait(qtbot, viewer, documents.budget, "Budget")
    beside = viewer.width()
    assert beside < 1100
    moved: list[None] = []
    viewer.navigation_requested.connect(lambda: moved.append(None))

    with qtbot.waitSignal(viewer.reading_mode_changed, timeout=WAIT_MS) as changed:
        qtbot.mouseClick(viewer.reading_button, Qt.MouseButton.LeftButton)
    assert changed.args == [True]
    assert viewer.reading_mode()
    assert viewer.mapTo(window, QPoint(0, 0)) == QPoint(0, 0)
    assert viewer.size() == window.size()
    assert viewer.reading_button.text() == "Quitter le plein écran"
    assert viewer.reading_button.isChecked()
    assert moved == []  # not a move in the document: a seat keeps following the mayor
    qtbot.waitUntil(lambda: shown(viewer).width() > 1600, timeout=WAIT_MS)
    # The budget's portrait page across the screen: more than its printed size.
    assert viewer.fit_mode() is FitMode.WIDTH
    assert page_scale(viewer) > 2.0

    with qtbot.waitSignal(viewer.reading_mode_changed, timeout=WAIT_MS) as changed:
        qtbot.mouseClick(viewer.reading_button, Qt.MouseButton.LeftButton)
    assert changed.args == [False]
    assert not viewer.reading_mode()
    assert viewer.parentWidget() is window
    assert row.indexOf(viewer) == 1
    qtbot.waitUntil(lambda: viewer.width() == beside)
    assert viewer.reading_button.text() == "Plein écran"

    # Échap leaves it too.
    qtbot.mouseClick(viewer.reading_button, Qt.MouseButton.LeftButton)
    assert viewer.reading_mode()
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.reading_mode()
    assert viewer.current_page() == 1


def test_zoom_by_buttons_and_ctrl_wheel_renders_more_pixels(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget")
    base = shown(viewer).size()
    assert not viewer.zoom_out_button.isEnabled()

    qtbot.mouseClick(viewer.zoom_in_button, Qt.MouseButton.LeftButton)
    assert viewer.zoom() == pytest.approx(1.25)
    qtbot.waitUntil(lambda: viewer.detail_image() is not None, timeout=WAIT_MS)
    detail = viewer.detail_image()
    assert detail is not None
    assert abs(detail.width() - base.width() * 1.25) <= 3
    assert ink(detail) > 10_000

    surface = viewer.canvas.viewport()
    wheel = QWheelEvent(
        QPointF(surface.rect().center()),
        QPointF(surface.mapToGlobal(surface.rect().center())),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(surface, wheel)
    assert viewer.zoom() == pytest.approx(1.25 * 1.25)

    qtbot.mouseClick(viewer.zoom_out_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(viewer.zoom_out_button, Qt.MouseButton.LeftButton)
    assert viewer.zoom() == pytest.approx(1.0)
    assert not viewer.zoom_out_button.isEnabled()


def test_a_plan_zoomed_four_times_is_rendered_by_visible_tiles(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.plan, "Plan de zonage")
    viewer.set_zoom(4.0)
    content = viewer.canvas.content_size()
    assert content.width() * content.height() > 8 * 2**20  # too big to render whole
    qtbot.waitUntil(lambda: viewer.detail_image() is not None, timeout=WAIT_MS)
    tile = viewer.detail_image()
    assert tile is not None
    assert tile.width() < content.width()
    assert tile.height() < content.height()
    assert ink(tile) > 10_000


def test_the_cache_stays_within_its_bound_through_120_pages(
    qtbot: QtBot, qapp: QApplication, documents: Documents
) -> None:
    bound = 12 * 2**20  # about four pages at this size: it must evict
    renderer = PageRenderer(cache_bytes=bound)
    try:
        viewer = make_viewer(qtbot, renderer)
        open_and_wait(qtbot, viewer, documents.budget, "Budget")
        assert renderer.cache_bytes() <= bound
        for page in range(2, BUDGET_PAGES + 1):
            with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS) as displayed:
                qtbot.mouseClick(viewer.next_button, Qt.MouseButton.LeftButton)
            assert displayed.args == [page]
            assert ink(shown(viewer)) > 10_000
            assert renderer.cache_bytes() <= bound
        assert len(renderer.cache) < BUDGET_PAGES
    finally:
        close_and_check(qtbot, renderer)


# --- scans and plans ----------------------------------------------------------------------------


def test_a_scanned_page_is_shown(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.scan, "Courrier scanné")
    image = shown(viewer)
    assert ink(image) > 10_000
    assert abs(image.width() - viewer.canvas.viewport().width()) <= 2  # A4: to the width


def test_a_photo_is_shown_as_a_one_page_document(
    qtbot: QtBot, viewer: DocumentViewer, tmp_path: Path
) -> None:
    source = pymupdf.open()
    page = source.new_page(width=400, height=300)
    page.draw_rect(page.rect, color=None, fill=(0.2, 0.5, 0.3))
    photo = tmp_path / "chantier.jpg"
    photo.write_bytes(page.get_pixmap(dpi=144).tobytes("jpeg"))
    source.close()

    open_and_wait(qtbot, viewer, photo, "Photo du chantier")
    assert viewer.page_count() == 1
    image = shown(viewer)
    assert image.width() > image.height()  # landscape, as taken
    assert viewer.fit_mode() is FitMode.PAGE  # a landscape page is shown whole
    assert ink(image) > 100_000


def test_a_dense_plan_shows_a_preview_then_the_full_render(
    qtbot: QtBot, viewer: DocumentViewer, renderer: PageRenderer, documents: Documents
) -> None:
    order: list[tuple[str, int]] = []
    viewer.preview_displayed.connect(lambda page: order.append(("preview", page)))
    viewer.page_displayed.connect(lambda page: order.append(("full", page)))
    previews: list[QImage] = []
    renderer.page_previewed.connect(lambda key, image: previews.append(image))

    open_and_wait(qtbot, viewer, documents.plan, "Plan de zonage")

    assert order == [("preview", 1), ("full", 1)]
    full = shown(viewer)
    assert len(previews) == 1
    assert previews[0].width() * 3 < full.width()  # a quarter of the size
    assert ink(previews[0]) > 1000
    assert ink(full) > 100_000


# --- what goes wrong ----------------------------------------------------------------------------


def test_a_damaged_document_says_why_and_the_viewer_carries_on(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    with qtbot.waitSignal(viewer.document_failed, timeout=WAIT_MS) as failed:
        viewer.open_document(documents.damaged, "Pièce abîmée")
    reason = failed.args[0]
    assert reason.startswith("Document illisible")
    assert "Ce document ne peut pas être affiché." in viewer.message()
    assert reason in viewer.message()
    assert viewer.page_count() == 0
    assert not viewer.next_button.isEnabled()

    open_and_wait(qtbot, viewer, documents.budget, "Budget")
    assert ink(shown(viewer)) > 10_000


def test_a_missing_file_says_so(qtbot: QtBot, viewer: DocumentViewer, tmp_path: Path) -> None:
    with qtbot.waitSignal(viewer.document_failed, timeout=WAIT_MS) as failed:
        viewer.open_document(tmp_path / "parti.pdf", "Pièce déplacée")
    assert failed.args[0] == "Fichier introuvable : il a été déplacé ou supprimé."


def test_a_broken_page_says_why_and_the_others_still_show(
    qtbot: QtBot, viewer: DocumentViewer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.truncated, "Délibération", page=3)
    assert viewer.page_count() == 5
    with qtbot.waitSignal(viewer.page_failed, timeout=WAIT_MS) as failed:
        viewer.next_page()
    assert failed.args[0] == 4
    assert failed.args[1] == "Page endommagée : elle ne peut pas être affichée."
    assert viewer.message().startswith("La page 4 ne peut pas être affichée.")
    assert viewer.page_label.text() == "Page 4 / 5"

    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS):
        viewer.previous_page()
    assert viewer.message() == ""
    assert ink(shown(viewer)) > 1000


def test_a_worker_killed_in_the_middle_of_a_plan_is_replaced(
    qtbot: QtBot, viewer: DocumentViewer, renderer: PageRenderer, documents: Documents
) -> None:
    with qtbot.waitSignal(viewer.preview_displayed, timeout=WAIT_MS):
        viewer.open_document(documents.plan, "Plan de zonage")
    before = renderer.worker_pids()
    # The full render of the plan takes hundreds of milliseconds: kill it now.
    with qtbot.waitSignal(viewer.page_failed, timeout=WAIT_MS) as failed:
        for pid in before:
            os.kill(pid, signal.SIGKILL)
    assert failed.args[1] == "Le moteur d'affichage s'est arrêté sur cette page."
    assert "La page 1 ne peut pas être affichée." in viewer.message()

    open_and_wait(qtbot, viewer, documents.budget, "Budget", page=7)
    assert ink(shown(viewer)) > 10_000
    assert not set(renderer.worker_pids()) & set(before)


def test_workers_killed_while_idle_are_replaced_without_blame(
    qtbot: QtBot, viewer: DocumentViewer, renderer: PageRenderer, documents: Documents
) -> None:
    open_and_wait(qtbot, viewer, documents.budget, "Budget")
    qtbot.waitUntil(
        lambda: renderer.pending() == 0 and len(renderer.worker_pids()) == 2, timeout=WAIT_MS
    )
    for pid in renderer.worker_pids():
        os.kill(pid, signal.SIGKILL)
    with qtbot.waitSignal(viewer.page_displayed, timeout=WAIT_MS):
        viewer.set_page(60)
    assert ink(shown(viewer)) > 10_000


def test_a_render_past_its_time_limit_kills_the_worker(
    qtbot: QtBot, qapp: QApplication, documents: Documents
) -> None:
    # The plan takes far longer than 30 ms to parse and draw on any machine.
    renderer = PageRenderer(processes=1, render_timeout_s=0.03)
    try:
        qtbot.waitUntil(lambda: len(renderer.worker_pids()) == 1, timeout=WAIT_MS)
        before = renderer.worker_pids()
        with qtbot.waitSignal(renderer.page_failed, timeout=WAIT_MS) as failed:
            renderer.request(documents.plan, 0, 1920, 1080, PRIORITY_VISIBLE)
        assert failed.args[1] == "Affichage abandonné : la page a demandé plus de 0,03 s."
        renderer.render_timeout_s = 10.0
        with qtbot.waitSignal(renderer.page_rendered, timeout=WAIT_MS) as rendered:
            renderer.request(documents.budget, 0, 600, 800, PRIORITY_VISIBLE)
        assert ink(rendered.args[1]) > 10_000
        assert renderer.worker_pids() != before
    finally:
        close_and_check(qtbot, renderer)


def test_newest_request_runs_first_and_withdrawn_ones_never_run(
    qtbot: QtBot, qapp: QApplication, documents: Documents
) -> None:
    renderer = PageRenderer(processes=1)
    try:
        rendered: list[int] = []
        renderer.page_rendered.connect(lambda key, image: rendered.append(key.page))
        with qtbot.waitSignal(renderer.page_previewed, timeout=WAIT_MS):
            renderer.request(documents.plan, 0, 1600, 1000, PRIORITY_VISIBLE)
        # The only worker is busy with the plan's full render: these wait in line.
        keys = [
            renderer.request(documents.budget, p, 400, 560, PRIORITY_VISIBLE)
            for p in (10, 11, 12, 13)
        ]
        renderer.cancel(keys[0])
        renderer.cancel(keys[1])
        qtbot.waitUntil(lambda: renderer.pending() == 0, timeout=WAIT_MS)
        assert rendered == [0, 13, 12]
    finally:
        close_and_check(qtbot, renderer)


def test_a_request_is_answered_with_an_image_that_owns_its_pixels_then_from_the_cache(
    qtbot: QtBot, renderer: PageRenderer, documents: Documents
) -> None:
    with qtbot.waitSignal(renderer.page_rendered, timeout=WAIT_MS) as rendered:
        key = renderer.request(documents.budget, 9, 700, 700, PRIORITY_VISIBLE)
    answered, image = rendered.args
    assert answered == key
    assert image.format() == QImage.Format.Format_RGB32
    assert (image.width(), image.height()) == (495, 700)  # A4 fitted into 700 x 700
    assert ink(image) > 10_000
    assert renderer.cache_bytes() == image.sizeInBytes()

    with qtbot.waitSignal(renderer.page_rendered, timeout=WAIT_MS) as again:
        assert renderer.request(documents.budget, 9, 700, 700, PRIORITY_VISIBLE) == key
    assert again.args[1].cacheKey() == image.cacheKey()  # the cached image, not a new render


def test_closing_the_renderer_ends_its_workers(qtbot: QtBot, qapp: QApplication) -> None:
    renderer = PageRenderer()
    qtbot.waitUntil(lambda: len(renderer.worker_pids()) == 2, timeout=WAIT_MS)
    pids = renderer.worker_pids()
    assert all(alive(pid) for pid in pids)
    close_and_check(qtbot, renderer)
    assert not any(alive(pid) for pid in pids)
