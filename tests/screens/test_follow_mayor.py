"""Projecting a page from the master screen, and a seat that follows the mayor,
browses away and comes back: real documents, real workers, real renderer."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from screens.document_viewer import DocumentViewer
from screens.master_view import MasterScreen
from screens.pacing import pacer
from screens.render import PageRenderer
from screens.seat_view import SeatScreen
from screens.session_model import SessionModel
from screens.widgets import stylesheet
from sync.library import DocumentLibrary
from sync.workers import ExtractionPool
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.store import Database
from tests.support import budget_under_discussion


@pytest.fixture
def renderer() -> Iterator[PageRenderer]:
    pages = PageRenderer(processes=1)
    yield pages
    pages.close()


@pytest.fixture
def library(database: Database, config: Config, tmp_path: Path) -> Iterator[DocumentLibrary]:
    folder = config.documents_folder
    target = folder / "Séances" / "2026-11-28" / "01 - Budget primitif" / "budget.pdf"
    target.parent.mkdir(parents=True)
    doc = pymupdf.open()
    for n in range(10):
        doc.new_page().insert_text((72, 72), f"Budget primitif 2027, page {n + 1}", fontsize=14)
    doc.save(target)
    doc.close()
    with ExtractionPool(processes=1) as pool:
        books = DocumentLibrary(database, folder, config.data_dir, pool)
        books.reconcile()
        yield books


def _session_with_a_seat(
    qtbot: QtBot,
    engine: SessionEngine,
    config: Config,
    library: DocumentLibrary,
    renderer: PageRenderer,
) -> tuple[MasterScreen, SeatScreen, DocumentViewer]:
    """Point 1 (the budget) under discussion, the master screen and seat 1 shown."""
    model = SessionModel(engine, library=library)
    qtbot.waitUntil(lambda: model.documents.loaded)  # listed on a worker thread
    for command in budget_under_discussion():
        assert model.execute(command)
    master = MasterScreen(model, config.commune.name)
    qtbot.addWidget(master)
    seat, viewer = _shown_seat(qtbot, model, config, renderer)
    return master, seat, viewer


def _shown_seat(
    qtbot: QtBot, model: SessionModel, config: Config, renderer: PageRenderer
) -> tuple[SeatScreen, DocumentViewer]:
    """Seat 1 of ``model``'s session, full screen, with its document viewer."""
    seat = SeatScreen(
        config.seats[0], model, config.commune.name, lambda parent: DocumentViewer(renderer, parent)
    )
    qtbot.addWidget(seat)
    seat.resize(1920, 1080)
    seat.show()
    viewer = seat.documents.viewer
    assert isinstance(viewer, DocumentViewer)
    return seat, viewer


def test_a_seat_follows_the_projection_leaves_and_comes_back(
    qtbot: QtBot,
    qapp,
    engine: SessionEngine,
    config: Config,
    library: DocumentLibrary,
    renderer: PageRenderer,
) -> None:
    qapp.setStyleSheet(stylesheet())
    master, seat, viewer = _session_with_a_seat(qtbot, engine, config, library, renderer)

    master.projection.list.setCurrentRow(0)
    master.projection.page.setValue(3)
    qtbot.mouseClick(master.projection.project_button, Qt.MouseButton.LeftButton)
    assert seat.tabs.currentWidget() is seat.documents
    qtbot.waitUntil(lambda: viewer.current_page() == 3 and viewer.page_count() == 10)
    assert "Le maire projette" in seat.projection_label.text()

    # The councillor flips a page on their own: the seat stops following.
    qtbot.mouseClick(viewer.next_button, Qt.MouseButton.LeftButton)
    assert viewer.current_page() == 4
    assert not seat.follow_button.isChecked()
    master.projection.page.setValue(5)
    qtbot.mouseClick(master.projection.project_button, Qt.MouseButton.LeftButton)
    qtbot.wait(100)
    assert viewer.current_page() == 4  # not pulled back while browsing

    # One touch and the seat is back on the mayor's page.
    qtbot.mouseClick(seat.follow_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.current_page() == 5)


def _swipe_left(qtbot: QtBot, viewer: DocumentViewer) -> None:
    """A finger drawn from right to left across the page (the mouse events a
    touch screen's touch becomes on X11)."""
    canvas = viewer.canvas.viewport()
    y = canvas.height() // 2
    start, end = QPoint(canvas.width() - 40, y), QPoint(40, y)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 9):
        x = start.x() + (end.x() - start.x()) * step // 8
        QTest.mouseMove(canvas, QPoint(x, y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)


def _key_right(qtbot: QtBot, viewer: DocumentViewer) -> None:
    qtbot.keyClick(viewer, Qt.Key.Key_Right)


def _thumbnail(qtbot: QtBot, viewer: DocumentViewer) -> None:
    strip = viewer.thumbnail_strip
    rect = strip.visualRect(strip.model().index(3, 0))
    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.mark.parametrize(
    ("gesture", "page_after"),
    [(_swipe_left, 4), (_key_right, 4), (_thumbnail, 4)],
    ids=["swipe", "key", "thumbnail"],
)
def test_every_way_of_moving_leaves_following_and_the_next_projection_does_not_pull_back(
    qtbot: QtBot,
    qapp,
    engine: SessionEngine,
    config: Config,
    library: DocumentLibrary,
    renderer: PageRenderer,
    gesture: Any,
    page_after: int,
) -> None:
    qapp.setStyleSheet(stylesheet())
    master, seat, viewer = _session_with_a_seat(qtbot, engine, config, library, renderer)
    master.projection.list.setCurrentRow(0)
    master.projection.page.setValue(3)
    qtbot.mouseClick(master.projection.project_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.current_page() == 3 and viewer.displayed_is_exact())
    assert seat.follow_button.isChecked()

    gesture(qtbot, viewer)
    qtbot.waitUntil(lambda: viewer.current_page() == page_after)
    assert not seat.follow_button.isChecked()
    assert not seat.following

    master.projection.page.setValue(7)
    qtbot.mouseClick(master.projection.project_button, Qt.MouseButton.LeftButton)
    qtbot.wait(100)
    assert viewer.current_page() == page_after  # the councillor stays where they went
    assert "page 7" in seat.projection_label.text()  # and is told where the mayor is


@pytest.mark.parametrize("projected_last", [True, False], ids=["projected-last", "taken-up-last"])
def test_a_point_taken_up_and_its_document_projected_in_one_redraw_show_the_later(
    qtbot: QtBot,
    qapp,
    engine: SessionEngine,
    config: Config,
    library: DocumentLibrary,
    renderer: PageRenderer,
    projected_last: bool,
) -> None:
    """At the table the seats redraw in passes of their own (``paced``): the
    mayor who takes a point up and projects its document at once, or a seat
    catching up both, must see what came last, as the mayor meant."""
    qapp.setStyleSheet(stylesheet())
    model = SessionModel(engine, library=library)
    qtbot.waitUntil(lambda: model.documents.loaded)
    *before, take_up = budget_under_discussion()
    for command in before:
        assert model.execute(command)
    seat, viewer = _shown_seat(qtbot, model, config, renderer)
    seat.paced = True
    seat.tabs.setCurrentWidget(seat.archive)
    doc = model.documents.documents()[0]
    project = {
        "cmd": "project",
        "document": doc["document_id"],
        "title": doc["title"],
        "page": 2,
        "hash": doc["hash"],
    }
    for command in [take_up, project] if projected_last else [project, take_up]:
        assert model.execute(command)
    qtbot.waitUntil(lambda: pacer().pending() == 0)
    qtbot.wait(50)
    if projected_last:
        assert seat.tabs.currentWidget() is seat.documents
        qtbot.waitUntil(lambda: viewer.current_page() == 2)
    else:
        assert seat.tabs.currentWidget() is seat.deliberation
    assert "Le maire projette" in seat.projection_label.text()
