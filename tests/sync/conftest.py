"""Fixtures of the document folder: a real folder, real workers, a real store."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest

from sync.feed import DocumentFeed
from sync.library import DocumentLibrary
from sync.service import DocumentSync
from sync.workers import ExtractionPool
from table_app.journal import Event
from table_app.store import Database


def make_pdf(path: Path, pages: int = 1, text: str = "Devis de réfection de la toiture") -> Path:
    """A real PDF with ``pages`` pages of text."""
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page()
        page.insert_text((72, 72), f"{text} — page {n + 1}", fontsize=12)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = doc.tobytes()
    doc.close()
    path.write_bytes(data)
    return path


def pdf_bytes(pages: int = 1, text: str = "Devis") -> bytes:
    doc = pymupdf.open()
    for n in range(pages):
        doc.new_page().insert_text((72, 72), f"{text} {n + 1}", fontsize=12)
    data = doc.tobytes()
    doc.close()
    return bytes(data)


class FeedLog:
    """The document events received by a subscriber, with a way to wait for one."""

    def __init__(self, feed: DocumentFeed) -> None:
        self.events: list[Event] = []
        self._cond = threading.Condition()
        feed.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def wait_for(self, type_: str, path: str | None = None, timeout: float = 20.0) -> Event:
        def found() -> Event | None:
            for event in self.events:
                if event.type == type_ and (path is None or event.payload["path"] == path):
                    return event
            return None

        with self._cond:
            self._cond.wait_for(lambda: found() is not None, timeout=timeout)
            event = found()
        assert event is not None, f"pas d'événement {type_} pour {path} : {self.types()}"
        return event

    def types(self, path: str | None = None) -> list[str]:
        return [e.type for e in self.events if path is None or e.payload["path"] == path]


@pytest.fixture(scope="session")
def pool() -> Iterator[ExtractionPool]:
    with ExtractionPool(processes=2, timeout_s=20) as workers:
        yield workers


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "Documents de la commune"
    path.mkdir()
    return path


@pytest.fixture
def library(
    database: Database, folder: Path, tmp_path: Path, pool: ExtractionPool
) -> DocumentLibrary:
    return DocumentLibrary(database, folder, tmp_path / "data", pool)


@pytest.fixture
def feed_log(library: DocumentLibrary) -> FeedLog:
    return FeedLog(library.feed)


@pytest.fixture
def sync(library: DocumentLibrary, feed_log: FeedLog) -> Iterator[DocumentSync]:
    service = DocumentSync(library, quiet_s=0.3)
    service.start()
    assert service.wait_idle(20)
    yield service
    service.stop()
