"""The views list the documents from the session model, never from the database:
a file dropped in the watched folder reaches the mayor's screen and a seat,
a seat's search is answered, and not one query of the document library runs
on the GUI thread meanwhile."""

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from screens.master_view import MasterScreen
from screens.seat_view import SeatScreen
from screens.session_model import SessionModel
from screens.widgets import stylesheet
from sync.library import DocumentLibrary
from sync.service import DocumentSync
from sync.workers import ExtractionPool
from table_app.config import Config
from table_app.council.engine import SessionEngine
from table_app.store import Database
from tests.support import budget_under_discussion

POINT = Path("Séances") / "2026-11-28" / "01 - Budget primitif"
#: The document library's tables (the journal's are the engine's, on the GUI thread).
LIBRARY_TABLES = re.compile(r"\b(documents|contents|document_versions|pages|document_feed)\b")


def _pdf(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text, fontsize=14)
    doc.save(path)
    doc.close()


@pytest.fixture
def library(database: Database, config: Config) -> Iterator[DocumentLibrary]:
    folder = config.documents_folder
    _pdf(folder / POINT / "budget.pdf", "Budget primitif 2027, section de fonctionnement")
    for year in (2023, 2024, 2025):
        _pdf(folder / "Archives" / str(year) / f"compte-{year}.pdf", f"Compte administratif {year}")
    with ExtractionPool(processes=1) as pool:
        books = DocumentLibrary(database, folder, config.data_dir, pool)
        books.reconcile()
        yield books


@pytest.fixture
def library_queries_on_gui_thread(database: Database) -> Iterator[list[str]]:
    """Every statement on the library's tables run by the GUI (main) thread."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is threading.main_thread() and LIBRARY_TABLES.search(
            statement
        ):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    yield seen
    event.remove(database.engine, "before_cursor_execute", record)


def _paths(rows: QListWidget) -> list[str]:
    out = []
    for n in range(rows.count()):
        doc = rows.item(n).data(Qt.ItemDataRole.UserRole)
        if isinstance(doc, dict):
            out.append(str(doc["path"]))
    return out


def _table(
    qtbot: QtBot, engine: SessionEngine, config: Config, library: DocumentLibrary
) -> tuple[SessionModel, MasterScreen, SeatScreen]:
    model = SessionModel(engine, library=library)
    for command in budget_under_discussion():
        assert model.execute(command) is not None
    master = MasterScreen(model, config.commune.name)
    seat = SeatScreen(config.seats[0], model, config.commune.name)
    for screen in (master, seat):
        qtbot.addWidget(screen)
        screen.resize(1920, 1080)
        screen.show()
    return model, master, seat


def test_a_file_dropped_reaches_the_views_without_a_query_on_the_gui_thread(
    qtbot: QtBot,
    qapp,
    engine: SessionEngine,
    config: Config,
    library: DocumentLibrary,
    library_queries_on_gui_thread: list[str],
) -> None:
    qapp.setStyleSheet(stylesheet())
    model, master, seat = _table(qtbot, engine, config, library)
    budget = (POINT / "budget.pdf").as_posix()
    # Listed once the worker has read the library: the point's budget, the archive.
    qtbot.waitUntil(lambda: _paths(seat.documents.list) == [budget], timeout=20_000)
    assert _paths(master.projection.list) == [budget]
    assert seat.archive.topLevelItemCount() == 3
    assert seat.archive.topLevelItem(0).text(0) == "Archives 2025"  # type: ignore[union-attr]

    service = DocumentSync(library, quiet_s=0.1)
    service.start(scan=False)
    try:
        _pdf(config.documents_folder / POINT / "devis.pdf", "Devis de la toiture de l'école")
        devis = (POINT / "devis.pdf").as_posix()
        qtbot.waitUntil(lambda: devis in _paths(seat.documents.list), timeout=20_000)
        qtbot.waitUntil(lambda: devis in _paths(master.projection.list), timeout=5_000)
        assert service.wait_idle(20)  # its text indexed too
        qtbot.wait(100)
    finally:
        service.stop()
    assert sorted(_paths(seat.documents.list)) == [budget, devis]
    assert library_queries_on_gui_thread == []
    library.documents()  # what the views used to do on every event: it would be seen
    assert len(library_queries_on_gui_thread) == 1
    model.close()


def test_a_seat_search_is_answered_from_a_worker(
    qtbot: QtBot,
    qapp,
    engine: SessionEngine,
    config: Config,
    library: DocumentLibrary,
    library_queries_on_gui_thread: list[str],
) -> None:
    qapp.setStyleSheet(stylesheet())
    model, _master, seat = _table(qtbot, engine, config, library)
    qtbot.waitUntil(lambda: model.documents.loaded, timeout=20_000)
    seat.search.query.setText("administratif")
    seat.search.run()
    assert seat.search.results.item(0).text() == "Recherche en cours…"
    results = seat.search.results

    def answered() -> list[str]:
        return [results.item(n).text() for n in range(results.count())]

    qtbot.waitUntil(lambda: "Recherche en cours…" not in answered(), timeout=20_000)
    assert len(answered()) == 3
    assert all("Compte administratif" in row for row in answered())
    # The first hit opens from the model's list, with no query either.
    seat.search._open_hit(results.item(0).data(Qt.ItemDataRole.UserRole))
    assert seat.tabs.currentWidget() is seat.documents
    assert seat.following is False
    assert library_queries_on_gui_thread == []
    model.close()
