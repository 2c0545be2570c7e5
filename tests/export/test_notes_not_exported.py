"""Private notes never leave with the session: the demo session exported (signed,
published, packaged) while councillors have notes on its budget, and not one
produced file holds an annotation or a word of them."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from demo import DEMO_CONFIG, DEMO_SCRIPT
from table_app.cli import main
from table_app.config import load_config
from table_app.journal import Journal
from table_app.notes import Note, PrivateNotes
from table_app.store import open_database
from tests.notes_support import PINS, budget_pdf, content_hash, ingest

SECRET = "NOTEPRIVEE7Q"  # a word no export could hold by chance
TEXT = f"{SECRET} : vérifier le devis de la toiture"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"  # the demo's: Siège 1's members have their codes
    path.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "documents").mkdir()
    return path


def _holds(path: Path, word: str) -> list[str]:
    """Where ``word`` or an annotation is found in ``path`` (any kind of file)."""
    found = []
    data = path.read_bytes()
    if word.encode() in data:
        found.append("octets")
    if path.suffix.lower() != ".pdf":
        return found
    with pymupdf.open(path) as doc:
        for page in doc:
            annots = [a.type[1] for a in page.annots()]  # widgets (signatures) apart
            if annots:
                found.append(f"page {page.number + 1} : annotations {annots}")
            if word in page.get_text():
                found.append(f"page {page.number + 1} : texte")
        for xref in range(1, doc.xref_length()):
            try:
                source = doc.xref_object(xref)
            except RuntimeError:
                continue  # a free entry of the cross-reference table
            stream = doc.xref_stream(xref) if doc.xref_is_stream(xref) else b""
            if word in source or word.encode() in (stream or b""):
                found.append(f"objet {xref}")
    return found


def test_no_export_of_the_session_holds_a_private_note(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--config", str(config_path)]
    assert main([*args, "session", "play", str(DEMO_SCRIPT)]) == 0
    config = load_config(config_path)
    budget_pdf(config.documents_folder / "Séances" / "2026-11-28" / "02 - Budget" / "budget.pdf")
    database = open_database(config.database_url)
    try:
        library = ingest(database, config)
        budget = content_hash(library, "budget.pdf")
        notes = PrivateNotes(
            database, config.members, config.documents_folder, library.viewable_path
        )
        for member in ("brousseau", "sgarnier"):
            pin = PINS[member]
            notes.save(member, pin, budget, Note("text", 1, point=(300, 140), text=TEXT))
            notes.save(member, pin, budget, Note("highlight", 1, rect=(72, 128, 400, 146)))
            notes.save(member, pin, budget, Note("ink", 2, strokes=(((80, 80), (200, 90)),)))
        assert len(notes.notes("brousseau", PINS["brousseau"], budget)) == 3
        # Not a journal event either: the journal never heard of them.
        assert not any(SECRET in str(e.payload) for e in Journal(database).events())
    finally:
        database.dispose()

    out = tmp_path / "export"
    assert main([*args, "export", "2026-11-28", "--out", str(out)]) == 0
    assert "9 signée(s)" in capsys.readouterr().out
    produced = [
        p
        for folder in (out, config.documents_folder / "Public")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]
    assert len([p for p in produced if p.suffix == ".pdf"]) >= 9
    assert {str(p): _holds(p, SECRET) for p in produced} == {str(p): [] for p in produced}
    # The annotated copy goes to the member's own folder only, on request, and
    # there the same search finds the notes: it would have found them above.
    assert not (config.documents_folder / "Élus").exists()
    database = open_database(config.database_url)
    try:
        notes = PrivateNotes(
            database, config.members, config.documents_folder, library.viewable_path
        )
        annotated = notes.export("brousseau", PINS["brousseau"], budget)
    finally:
        database.dispose()
    assert _holds(annotated, SECRET)
    assert "page 1 : annotations ['Text', 'Highlight']" in _holds(annotated, SECRET)
