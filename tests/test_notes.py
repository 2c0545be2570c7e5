"""A councillor's private notes (table_app/notes.py): kept per member, document and
page in the real database, refused to anyone without the member's code, erased
for good, and exported as a PDF whose annotations PyMuPDF reads back."""

from __future__ import annotations

import io
from pathlib import Path, PurePosixPath

import pymupdf
import pytest
from sqlalchemy import inspect

from sync.classify import is_ignored
from table_app.cli import main
from table_app.config import Config, check_config, load_config
from table_app.member_pin import (
    LOCKOUT_S,
    MAX_FAILURES,
    PinChecker,
    hash_pin,
    is_pin_hash,
    pin_matches,
)
from table_app.notes import (
    MAX_POINTS,
    Note,
    NoteInvalid,
    NotesRefused,
    PrivateNotes,
    parse_note,
)
from table_app.store import Database
from tests.notes_support import (
    MEMBER_A,
    MEMBER_B,
    PINS,
    budget_pdf,
    content_hash,
    ingest,
    with_pins,
)

INK = Note("ink", 1, strokes=(((100.0, 200.0), (150.5, 210.25), (220.0, 190.0)),))
HIGHLIGHT = Note("highlight", 2, rect=(72.0, 128.0, 400.0, 146.0))
TEXT = Note("text", 2, point=(420.0, 136.0), text="Demander le détail de l'article 60612")


@pytest.fixture
def noted(database: Database, config: Config) -> tuple[PrivateNotes, str]:
    """The table's notes over a real 4-page budget, ingested; its content hash."""
    config = with_pins(config)
    budget_pdf(config.documents_folder / "Séances" / "2026-11-28" / "01 - Budget" / "budget.pdf")
    library = ingest(database, config)
    notes = PrivateNotes(database, config.members, config.documents_folder, library.viewable_path)
    return notes, content_hash(library, "budget.pdf")


def test_the_notes_have_their_own_table_made_by_a_migration(database: Database) -> None:
    columns = {c["name"] for c in inspect(database.engine).get_columns("private_notes")}
    assert columns == {"id", "member_id", "content_hash", "page_no", "kind", "data", "created_at"}


def test_notes_are_kept_per_member_and_another_member_cannot_reach_them(
    noted: tuple[PrivateNotes, str],
) -> None:
    notes, budget = noted
    a, b = (MEMBER_A, PINS[MEMBER_A]), (MEMBER_B, PINS[MEMBER_B])
    saved = [notes.save(*a, budget, note) for note in (INK, HIGHLIGHT, TEXT)]
    assert all(note.id is not None for note in saved)
    assert notes.notes(*a, budget) == saved
    assert [n.page for n in notes.notes(*a, budget)] == [1, 2, 2]
    assert notes.notes(*a, budget)[2].text == "Demander le détail de l'article 60612"

    # Member B, with their own code, sees nothing of A's and cannot erase it.
    assert notes.notes(*b, budget) == []
    with pytest.raises(
        NotesRefused, match="Cette note n'est pas la vôtre : elle n'est pas effacée"
    ):
        notes.erase(*b, budget, saved[0].id)
    assert notes.erase(*b, budget, None) == 0  # "Tout effacer" erases B's notes only
    assert notes.notes(*a, budget) == saved
    # A's code typed for B is B's code? No: refused in words.
    with pytest.raises(NotesRefused, match="Code faux : ce n'est pas le code de cet élu"):
        notes.notes(MEMBER_B, PINS[MEMBER_A], budget)

    # A erases one note, then everything: gone for good.
    assert notes.erase(*a, budget, saved[1].id) == 1
    assert notes.notes(*a, budget) == [saved[0], saved[2]]
    assert notes.erase(*a, budget, None) == 2
    assert notes.notes(*a, budget) == []


def test_a_note_on_an_unknown_document_or_too_many_is_refused(
    noted: tuple[PrivateNotes, str],
) -> None:
    notes, _budget = noted
    with pytest.raises(NotesRefused, match="Document inconnu de la table"):
        notes.save(MEMBER_A, PINS[MEMBER_A], "0" * 64, INK)
    with pytest.raises(NotesRefused, match="Empreinte de document invalide"):
        notes.notes(MEMBER_A, PINS[MEMBER_A], "budget.pdf")


def test_a_wrong_code_is_refused_in_words_and_five_stop_every_code_for_a_while() -> None:
    stored = {"brousseau": hash_pin("2580"), "cmeunier": None}
    now = [1000.0]
    checker = PinChecker(stored.get, clock=lambda: now[0])
    assert checker.check("brousseau", "2580") is None
    assert checker.check("brousseau", "2581") == (
        "Code faux : ce n'est pas le code de cet élu (encore 4 essais)"
    )
    for _ in range(MAX_FAILURES - 2):
        checker.check("brousseau", "0000")
    assert checker.check("brousseau", "1111") == (
        "Code faux. Trop d'essais : réessayez dans 5 minutes"
    )
    # Even the right code is refused during the pause…
    assert checker.check("brousseau", "2580") == (
        "Trop de codes faux : les notes de cet élu restent fermées pendant 5 minutes"
    )
    now[0] += LOCKOUT_S + 1  # …and accepted after it.
    assert checker.check("brousseau", "2580") is None
    assert "Aucun code personnel" in (checker.check("cmeunier", "1234") or "")
    assert "Aucun code personnel" in (checker.check("inconnu", "1234") or "")


def test_codes_are_stored_as_scrypt_hashes() -> None:
    stored = hash_pin("2580")
    assert is_pin_hash(stored)
    assert "2580" not in stored
    assert pin_matches("2580", stored)
    assert not pin_matches("2581", stored)
    assert not pin_matches("25a0", stored)
    assert hash_pin("2580") != stored  # salted
    assert pin_matches("4821", "4821")  # written in clear: accepted, with a warning
    with pytest.raises(ValueError, match="4 à 8 chiffres"):
        hash_pin("12")


def test_the_exported_pdf_has_real_annotations_on_the_right_pages(
    noted: tuple[PrivateNotes, str], config: Config
) -> None:
    notes, budget = noted
    pin = PINS[MEMBER_A]
    with pytest.raises(NotesRefused, match="Aucune note sur ce document"):
        notes.export(MEMBER_A, pin, budget)
    landscape = Note("ink", 4, strokes=(((700.0, 500.0), (800.0, 520.0)),))
    for note in (INK, HIGHLIGHT, TEXT, landscape):
        notes.save(MEMBER_A, pin, budget, note)
    notes.save(MEMBER_B, PINS[MEMBER_B], budget, Note("text", 3, point=(50, 50), text="De B"))

    path = notes.export(MEMBER_A, pin, budget)
    assert path == (
        config.documents_folder / "Élus" / "Bernard Rousseau" / "Notes" / "budget - annoté.pdf"
    )
    with pymupdf.open(path) as doc:
        assert doc.page_count == 4
        found = {
            n + 1: [(a.type[1], a.info["content"], a.info["title"]) for a in doc[n].annots()]
            for n in range(doc.page_count)
        }
        assert found == {
            1: [("Ink", "", "Bernard Rousseau")],
            2: [
                ("Highlight", "", "Bernard Rousseau"),
                ("Text", "Demander le détail de l'article 60612", "Bernard Rousseau"),
            ],
            3: [],  # B's note is B's alone
            4: [("Ink", "", "Bernard Rousseau")],
        }
        first, second, last = doc[0], doc[1], doc[3]  # annotations live with their page
        ink = next(first.annots())
        assert ink.vertices == [[(100.0, 200.0), (150.5, 210.25), (220.0, 190.0)]]
        highlight = next(second.annots())
        assert highlight.rect.intersects(pymupdf.Rect(72, 128, 400, 146))
        # The highlighted line is the one the councillor swept.
        assert "Chapitre 011" in second.get_textbox(pymupdf.Rect(72, 128, 400, 146))
        # The turned page's ink is where the councillor saw it (displayed points).
        assert last.rect == pymupdf.Rect(0, 0, 842, 595)
        pixels = last.get_pixmap(dpi=72)
        red = [
            (x, y)
            for y in range(0, pixels.height, 2)
            for x in range(0, pixels.width, 2)
            if pixels.pixel(x, y)[0] > 150 and pixels.pixel(x, y)[1] < 100
        ]
        assert red
        assert all(690 <= x <= 810 and 490 <= y <= 530 for x, y in red)
    # The member's notes folder is theirs: the table never lists it as a document.
    rel = PurePosixPath(path.relative_to(config.documents_folder).as_posix())
    assert is_ignored(rel)
    assert not is_ignored(PurePosixPath("Élus/Bernard Rousseau/Convocations/convocation.pdf"))


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"kind": "ink", "page": 1, "strokes": []}, "de 1 à 20 traits"),
        ({"kind": "ink", "page": 0, "strokes": [[[1, 2]]]}, "page hors limites"),
        ({"kind": "ink", "page": 1, "strokes": [[[1, 2]] * (MAX_POINTS + 1)]}, "plus de 2000"),
        ({"kind": "ink", "page": 1, "strokes": [[[1, "2"]]]}, "doit être un nombre"),
        ({"kind": "ink", "page": 1, "strokes": [[[1, 1e9]]]}, "hors de la page"),
        ({"kind": "ink", "page": 1, "strokes": [[[1, 2]]], "x": 1}, "inconnus ['x']"),
        ({"kind": "highlight", "page": 1, "rect": [5, 5, 1, 1]}, "à l'envers"),
        ({"kind": "text", "page": 1, "point": [1, 2], "text": "  "}, "de 1 à 2000"),
        ({"kind": "text", "page": 1, "point": [1, 2], "text": "a\x07"}, "contrôle"),
        ({"kind": "text", "page": True, "point": [1, 2], "text": "a"}, "page hors limites"),
        ({"kind": "dessin", "page": 1}, "genre inconnu"),
        ([1, 2], "un objet est attendu"),
    ],
)
def test_a_malformed_note_is_refused_field_by_field(raw: object, error: str) -> None:
    with pytest.raises(NoteInvalid, match=error.replace("[", r"\[").replace("]", r"\]")):
        parse_note(raw)


def test_the_pin_command_writes_only_the_hash_and_keeps_the_file(
    config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert config.source is not None
    path = config.source
    monkeypatch.setattr("sys.stdin", io.StringIO("8642\n"))
    assert main(["--config", str(path), "pin", "brousseau"]) == 0
    assert "Code personnel de Bernard Rousseau enregistré" in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    assert "8642" not in text
    assert "# Membres en exercice" in text  # the comments are kept
    member = load_config(path).member("brousseau")
    assert member.pin is not None
    assert is_pin_hash(member.pin)
    assert pin_matches("8642", member.pin)

    monkeypatch.setattr("sys.stdin", io.StringIO("25\n"))
    assert main(["--config", str(path), "pin", "brousseau"]) == 1
    assert "de 4 à 8 chiffres" in capsys.readouterr().err
    assert main(["--config", str(path), "pin", "personne"]) == 1
    assert "n'est pas un élu du fichier" in capsys.readouterr().err


def test_the_configuration_check_names_a_bad_or_clear_code(config: Config, tmp_path: Path) -> None:
    assert config.source is not None
    text = config.source.read_text(encoding="utf-8")
    block = 'id = "mfabre"\n'  # no code in the demo file
    bad = tmp_path / "mauvais.toml"
    bad.write_text(text.replace(block, block + 'pin = "12ab"\n'), encoding="utf-8")
    _config, problems = check_config(bad)
    assert [(p.key, p.severity) for p in problems if "pin" in p.key] == [
        ("members[5].pin", "erreur")
    ]
    assert "12ab" not in str(problems)  # a code is never repeated
    clear = tmp_path / "clair.toml"
    clear.write_text(text.replace(block, block + 'pin = "4821"\n'), encoding="utf-8")
    checked, problems = check_config(clear)
    assert checked is not None
    assert checked.member("mfabre").pin == "4821"
    assert [(p.key, p.severity) for p in problems if "pin" in p.key] == [
        ("members[5].pin", "attention")
    ]
    assert "table-app pin" in str(problems)
