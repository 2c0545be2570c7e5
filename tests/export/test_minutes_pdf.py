"""The procès-verbal, the list of deliberations and the closing sheet of the demo session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pymupdf
import pytest

from table_app.council.engine import SessionEngine
from table_app.council.state import Session
from table_app.export.minutes_pdf import (
    BLANK_DEBATE,
    closing_sheet_pdf,
    liste_deliberations_pdf,
    proces_verbal_pdf,
)
from table_app.script import play_file

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "seance-2026-11-28.jsonl"
COMMUNE, DEPARTMENT = "Val-de-Sauve", "Creuse"

# Ligatures ("fi", "ff") read back as their letters.
FLAGS = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES


@pytest.fixture
def session(engine: SessionEngine) -> Session:
    result = play_file(engine, DEMO, author="president")
    return engine.state.sessions[result.sessions[0]]


def _text(data: bytes) -> str:
    with pymupdf.open("pdf", data) as doc:
        return " ".join(" ".join(page.get_text(flags=FLAGS).split()) for page in doc)


def _fonts_embedded(data: bytes, tmp_path: Path) -> None:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) n'est pas installé")
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    assert rows
    header = out.stdout.splitlines()[0]
    column = header.index("emb")
    for row in rows:
        assert row[column : column + 3].strip() == "yes", row


def test_proces_verbal_tells_the_whole_session(session: Session, tmp_path: Path) -> None:
    data = proces_verbal_pdf(session, COMMUNE, DEPARTMENT)
    with pymupdf.open("pdf", data) as doc:
        assert doc.page_count >= 2
        total = doc.page_count
        assert f"page {total} / {total}" in " ".join(doc[-1].get_text(flags=FLAGS).split())
    text = _text(data)
    assert "PROCÈS-VERBAL DE LA SÉANCE DU CONSEIL MUNICIPAL DU 28 NOVEMBRE 2026" in text
    assert "Hélène Marchand" in text
    assert "Secrétaire de séance : Aurélie Renaud" in text
    assert "Olivier Dumas (pouvoir à Martine Fabre, du 25/11/2026)" in text
    assert "Jean-Luc Perrin arrive à 20 h 25" in text
    assert "Quorum : 11 présents pour 8 requis" in text
    for item in session.agenda():
        assert item.title in text
    assert "2026-002" in text
    assert (
        "Demande de scrutin public : présentée par Nathalie Bonnet, Jean-Luc Perrin, Christophe Meunier"
        in text
    )
    assert "Ont voté contre : Jean-Luc Perrin, Nathalie Bonnet" in text
    assert "Se sont abstenus : Émilie Roche (par procuration)" in text
    assert "ajourné" in text
    assert "Ne prend pas part au vote : Didier Vidal" in text
    assert "Est désigné(e) : Sylvie Garnier" in text
    assert "suspendue de 20 h 50 à 21 h 00" in text
    assert "levée à 22 h 16" in text
    assert text.count(BLANK_DEBATE) == len(session.agenda())
    assert "Le secrétaire de séance" in text
    _fonts_embedded(data, tmp_path)


def test_proces_verbal_uses_the_given_debates(session: Session) -> None:
    data = proces_verbal_pdf(
        session, COMMUNE, DEPARTMENT, debates={"p2": "Le rapporteur présente la décision."}
    )
    text = _text(data)
    assert "Débats : Le rapporteur présente la décision." in text
    assert text.count(BLANK_DEBATE) == len(session.agenda()) - 1


def test_liste_has_one_row_per_deliberation(session: Session, tmp_path: Path) -> None:
    data = liste_deliberations_pdf(session, COMMUNE, DEPARTMENT)
    text = _text(data)
    assert "LISTE DES DÉLIBÉRATIONS EXAMINÉES PAR LE CONSEIL MUNICIPAL" in text
    assert "LORS DE SA SÉANCE DU 28 NOVEMBRE 2026" in text
    with pymupdf.open("pdf", data) as doc:
        tables = doc[0].find_tables().tables
        assert tables
        rows = tables[0].extract()
    body = [r for r in rows[1:] if r[0]]
    assert [r[0] for r in body] == [f"2026-00{n}" for n in range(1, 7)]
    results = {r[0]: " ".join((r[2] or "").split()) for r in body}
    assert results["2026-002"].startswith("Adoptée")
    assert results["2026-005"].startswith("Désigné(e) : Sylvie Garnier")
    assert "Affichée le" in text
    assert "mise en ligne le" in text
    _fonts_embedded(data, tmp_path)


def test_closing_sheet_recalls_the_numbers(session: Session, tmp_path: Path) -> None:
    data = closing_sheet_pdf(session, COMMUNE, DEPARTMENT)
    text = _text(data)
    assert "2026-001 à 2026-006" in text
    assert "Jean-Luc Perrin" in text
    assert "Isabelle Colin" in text
    assert "Olivier Dumas" not in text
    assert "Le maire" in text
    assert "Le secrétaire de séance" in text
    _fonts_embedded(data, tmp_path)
