"""The convocation's fixtures: the demo session convened, its folder, a mail server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pymupdf
import pytest

from table_app.config import Config, SmtpSettings
from table_app.council.engine import SessionEngine
from table_app.council.state import Session
from tests.convocation.support import SESSION, demo_convene
from tests.smtp_server import RecordingHandler, smtp_server


def _pdf(pages: int, title: str) -> bytes:
    doc = pymupdf.open()
    for n in range(pages):
        page = doc.new_page()
        page.insert_text((72, 72), f"{title}, page {n + 1}")
    data: bytes = doc.tobytes()
    doc.close()
    return data


@pytest.fixture
def session_folder(config: Config) -> Path:
    """The session's documents as the cloud client leaves them (and what is not one)."""
    day = config.documents_folder / "Séances" / SESSION
    files = {
        day / "02 - Décision modificative n° 2" / "budget-dm2.pdf": _pdf(3, "Budget"),
        day / "03 - Toiture de l'école" / "devis-couverture.jpg": b"\xff\xd8\xff\xe0JFIF"
        + b"0" * 500,
        day / "Note aux élus.pdf": _pdf(1, "Note"),
        day / "convocation.pdf": _pdf(1, "Ancienne convocation"),
        day
        / "Propositions"
        / "Olivier Dumas - Éclairage du stade.txt": "Objet : éclairage".encode(),
        day / "03 - Toiture de l'école" / ".~lock.devis.odt#": b"lock",
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return day


@pytest.fixture
def mail_server() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        yield handler, port


@pytest.fixture
def mail_config(config: Config, mail_server: tuple[RecordingHandler, int]) -> Config:
    """The demo commune with its mail server on loopback."""
    _handler, port = mail_server
    return replace(
        config,
        smtp=SmtpSettings("127.0.0.1", port, "aucune", "mairie@val-de-sauve.example", timeout=10),
    )


@pytest.fixture
def convened(engine: SessionEngine) -> Session:
    """The demo session convened (typed convened_on: 20/11, recorded at 20 h 00)."""
    engine.execute(demo_convene())
    return engine.state.sessions[SESSION]
