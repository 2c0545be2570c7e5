"""The deliberation extracts of the demo session, read back from the real PDFs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pymupdf
import pytest

from demo import DEMO_SCRIPT
from table_app.council.engine import SessionEngine
from table_app.council.state import Session
from table_app.export.deliberation_pdf import (
    SIGNATURE_BOXES,
    deliberation_filename,
    deliberation_pdf,
    numbered_items,
)
from table_app.script import play_file
from tests.screenshots import pdf_page_shot


@pytest.fixture
def session(engine: SessionEngine) -> Session:
    result = play_file(engine, DEMO_SCRIPT, author="president")
    return engine.state.sessions[result.sessions[0]]


def _pdf(session: Session, item_id: str) -> bytes:
    item = session.item(item_id)
    assert item is not None
    return deliberation_pdf(session, item, "Val-de-Sauve", "Creuse")


# Ligatures ("fi", "ff") read back as their letters.
FLAGS = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES


def _text(data: bytes) -> str:
    with pymupdf.open("pdf", data) as doc:
        return " ".join(" ".join(page.get_text(flags=FLAGS).split()) for page in doc)


def test_every_numbered_item_gets_a_register_extract(session: Session) -> None:
    items = numbered_items(session)
    assert [i.number for i in items] == [f"2026-00{n}" for n in range(1, 7)]
    for item in items:
        data = deliberation_pdf(session, item, "Val-de-Sauve", "Creuse")
        with pymupdf.open("pdf", data) as doc:
            assert doc.page_count >= 1
        text = _text(data)
        assert "EXTRAIT DU REGISTRE" in text
        assert f"Délibération n° {item.number}" in text
        assert "Fait et délibéré les jour, mois et an susdits" in text
        name = deliberation_filename(session, item)
        assert name.startswith(f"{item.number}_")
        assert name.endswith(".pdf")
        assert len(name) <= 80
        assert name.isascii()


def test_budget_extract_has_header_attendance_and_vote(session: Session) -> None:
    text = _text(_pdf(session, "p2"))
    for expected in (
        "RÉPUBLIQUE FRANÇAISE",
        "Département de Creuse",
        "Commune de Val-de-Sauve",
        "Séance du 28 novembre 2026",
        "Délibération n° 2026-002",
        "Date de convocation : 20/11/2026",
        "Membres en exercice : 15",
        "Présents : 11",
        "Votants : 13",
        "L'an deux mille vingt-six, le vingt-huit novembre",
        "Hélène Marchand",
        "Aurélie Renaud",
        "Thierry Lacroix",
        "Olivier Dumas (pouvoir à Martine Fabre, du 25/11/2026)",
        "Absents excusés : Céline Barbier",
        "Secrétaire de séance : Aurélie Renaud",
        "Objet : Décision modificative n° 2 du budget principal 2026",
        "Vu le budget primitif 2026 adopté le 4 avril 2026",
        "Adoptée par 10 voix pour, 1 contre et 2 abstentions",
        "Pour extrait conforme",
        "Le maire",
        "Le secrétaire de séance",
        "page 1 / 1",
    ):
        assert expected in text, expected
    assert deliberation_filename(session, session.item("p2")) == (  # type: ignore[arg-type]
        "2026-002_decision-modificative-n-2-du-budget-principal-2026.pdf"
    )


def test_unanimity_and_member_set_aside(session: Session) -> None:
    assert "Adoptée à l'unanimité." in _text(_pdf(session, "p1"))
    text = _text(_pdf(session, "p3"))
    assert "Ne prend pas part au vote : Didier Vidal (intéressé à l'affaire)" in text
    assert "48 600 € HT (58 320 € TTC)" in text  # the text as amended


def test_public_ballot_names_each_choice(session: Session) -> None:
    text = _text(_pdf(session, "p6"))
    assert "Délibération n° 2026-006" in text
    assert "Vote au scrutin public" in text
    assert "Ont voté contre : Jean-Luc Perrin, Nathalie Bonnet." in text
    assert "Se sont abstenus : Émilie Roche (par procuration)." in text
    assert "Ont voté pour : Hélène Marchand, Bernard Rousseau" in text
    assert "Isabelle Colin (pouvoir à Christophe Meunier, du 28/11/2026)" in text


def test_compte_administratif_names_its_president(session: Session) -> None:
    text = _text(_pdf(session, "p4"))
    assert "le conseil a élu Bernard Rousseau pour présider la séance" in text
    assert "Hélène Marchand, maire, s'est retiré(e) au moment du vote" in text
    assert "Ne prend pas part au vote : Hélène Marchand (le maire se retire" in text
    assert "Adoptée par 6 voix pour, 6 contre et 1 abstention" in text


def test_nomination_says_who_is_elected(session: Session) -> None:
    text = _text(_pdf(session, "p5"))
    assert "1er tour (scrutin secret)" in text
    assert "2e tour (scrutin secret)" in text
    assert "Est désigné(e) : Sylvie Garnier, avec 8 voix au 2e tour." in text


def test_fonts_embedded_metadata_and_xmp(session: Session, tmp_path: Path) -> None:
    data = _pdf(session, "p2")
    path = tmp_path / "extrait.pdf"
    path.write_bytes(data)
    assert shutil.which("pdffonts"), "poppler-utils is needed"
    lines = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    header, fonts = lines[0], lines[2:]
    assert fonts, "no font found"
    emb = header.index("emb")
    for line in fonts:
        assert line[emb : emb + 3] == "yes", line
    assert b"/SMask" not in data  # no transparency
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        meta = doc.metadata
        assert meta["title"] == (
            "Délibération n° 2026-002 — Décision modificative n° 2 du budget principal 2026"
        )
        assert meta["author"] == "Commune de Val-de-Sauve"
        assert meta["subject"]
        assert meta["keywords"]
        assert meta["creationDate"].startswith("D:20261128")
        xmp = doc.get_xml_metadata()
        assert "pdfaid" in xmp
        assert "<pdfaid:part>2</pdfaid:part>" in xmp
        assert "Commune de Val-de-Sauve" in xmp
        last = doc[-1]
        for box in SIGNATURE_BOXES.values():
            assert last.rect.contains(box)
            assert not last.get_text(clip=box).strip()  # left blank for a signature


def test_budget_extract_renders_to_png(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "extrait-2026-002.pdf"
    path.write_bytes(_pdf(session, "p2"))
    # Rendered by poppler, for a person to look at (the README shows the demo's, signed).
    png = pdf_page_shot(path, tmp_path, "extrait-2026-002-non-signe", dpi=80)
    image = pymupdf.Pixmap(str(png))
    assert (image.width, image.height) == (662, 936)  # an A4 page at 80 dpi


def test_the_closing_lines_stand_where_a_reader_expects_them(session: Session) -> None:
    """Place and date above the boxes, each signer's title and name right above
    their box, the journal anchor under them, the footer at the foot: read back
    with their positions (text drawn in a flipped space would read the same)."""
    item = numbered_items(session)[1]
    data = deliberation_pdf(session, item, "Val-de-Sauve", "Creuse")
    with pymupdf.open("pdf", data) as doc:
        page = doc[-1]
        height = page.rect.height

        def where(text: str) -> pymupdf.Rect:
            found = page.search_for(text)
            assert found, text
            return max(found, key=lambda r: r.y0)  # the lowest: names are also listed above

        place = where("Pour extrait conforme, à Val-de-Sauve, le 28 novembre 2026.")
        mayor, secretary = SIGNATURE_BOXES["maire"], SIGNATURE_BOXES["secretaire"]
        assert place.y1 <= mayor.y0 - 30
        assert place.x1 > secretary.x0  # set to the right
        for text, box in (
            ("Le maire", mayor),
            ("Hélène Marchand", mayor),
            ("Le secrétaire de séance", secretary),
            ("Aurélie Renaud", secretary),
        ):
            rect = where(text)
            assert box.y0 - 36 <= rect.y0, text
            assert rect.y1 <= box.y0 + 1, text
            assert box.x0 <= rect.x0, text
            assert rect.x1 <= box.x1, text
            assert abs((rect.x0 + rect.x1) / 2 - (box.x0 + box.x1) / 2) < 2, text  # centred
        anchor = where("Établi d'après le journal de la séance")
        assert mayor.y1 <= anchor.y0 < height - 40
        footer = where("délibération n° 2026-002")
        page_number = where("page 1 / 1")
        assert footer.y0 > anchor.y1
        assert page_number.x1 > secretary.x1 - 2  # set to the right
