"""What makes the exports archival records: the sRGB output intent and XMP of
PDF/A-2b, and the journal anchor that catches a journal cut short."""

import re
import sqlite3
import subprocess
from pathlib import Path

import pymupdf
import pytest

from demo import DEMO_CONFIG, DEMO_SCRIPT
from table_app.cli import main
from table_app.council.engine import SessionEngine
from table_app.export.deliberation_pdf import deliberation_pdf, numbered_items
from table_app.export.minutes_pdf import proces_verbal_pdf
from table_app.export.pdfa import NAMESPACE, read_provenance
from table_app.script import play_file


def test_output_intent_xmp_extension_and_anchor(engine: SessionEngine) -> None:
    result = play_file(engine, DEMO_SCRIPT, author="president")
    session = engine.state.sessions[result.sessions[0]]
    item = numbered_items(session)[0]
    data = deliberation_pdf(session, item, "Val-de-Sauve", "Creuse")
    with pymupdf.open("pdf", data) as doc:
        intents = doc.xref_get_key(doc.pdf_catalog(), "OutputIntents")
        assert intents[0] == "array"
        intent = int(re.findall(r"(\d+) 0 R", intents[1])[0])
        assert doc.xref_get_key(intent, "S") == ("name", "/GTS_PDFA1")
        profile = int(doc.xref_get_key(intent, "DestOutputProfile")[1].split()[0])
        assert doc.xref_get_key(profile, "N") == ("int", "3")
        icc = doc.xref_stream(profile)
        assert icc[36:40] == b"acsp"
        assert icc[16:20] == b"RGB "
        xmp = doc.get_xml_metadata()
        text = " ".join(doc[-1].get_text().split())
    assert "<pdfaid:part>2</pdfaid:part>" in xmp
    # PDF/A rejects XMP properties that no extension schema declares.
    assert f"<pdfaSchema:namespaceURI>{NAMESPACE}</pdfaSchema:namespaceURI>" in xmp
    for name in ("JournalSession", "JournalEvent", "JournalHash", "SourceDigest"):
        assert f"<pdfaProperty:name>{name}</pdfaProperty:name>" in xmp
    provenance = read_provenance(data)
    assert provenance is not None
    assert provenance.anchor is not None
    assert provenance.anchor.seq == session.last_seq
    assert provenance.anchor.hash == session.last_hash
    assert provenance.anchor.session_id == session.id
    assert f"événement n° {session.last_seq}" in text
    assert session.last_hash[:16].upper() in text


def test_the_debate_summary_recorded_after_closing_goes_into_the_minutes(
    engine: SessionEngine,
) -> None:
    result = play_file(engine, DEMO_SCRIPT, author="president")
    session_id = result.sessions[0]
    item = numbered_items(engine.state.sessions[session_id])[1]
    engine.execute(
        {
            "cmd": "record_debate",
            "session": session_id,
            "item": item.id,
            "text": "M. Rousseau rappelle l'état de la trésorerie.\nMme Bonnet s'inquiète du coût.",
        },
        author="secretaire",
    )
    session = engine.state.sessions[session_id]
    assert session.item(item.id).debate.startswith("M. Rousseau")  # type: ignore[union-attr]
    data = proces_verbal_pdf(session, "Val-de-Sauve", "Creuse")
    with pymupdf.open("pdf", data) as doc:
        text = " ".join(" ".join(page.get_text().split()) for page in doc)
    assert "M. Rousseau rappelle l'état de la trésorerie." in text
    assert "Mme Bonnet s'inquiète du coût." in text
    # The anchor follows the journal: the minutes rest on the debate's event.
    provenance = read_provenance(data)
    assert provenance is not None
    assert provenance.anchor is not None
    assert provenance.anchor.seq == session.last_seq


@pytest.fixture
def exported(tmp_path: Path) -> tuple[list[str], Path, Path]:
    config = tmp_path / "config.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "documents").mkdir()
    database = tmp_path / "journal.sqlite3"
    args = ["--config", str(config), "--database", f"sqlite:///{database}"]
    assert main([*args, "session", "play", str(DEMO_SCRIPT)]) == 0
    out = tmp_path / "export"
    assert main([*args, "export", "2026-11-28", "--out", str(out)]) == 0
    return args, database, out


def test_journal_verify_confirms_the_anchors_of_the_exports(
    exported: tuple[list[str], Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args, _database, out = exported
    capsys.readouterr()
    assert main([*args, "journal", "verify", "--against", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Journal intact" in printed
    # 9 signed documents, and the 6 copies in the prefecture's package.
    assert "Ancrage vérifié : 15 fichier(s) signé(s)" in printed
    # pyHanko rewrote the XMP when it signed: the prefix declared by the
    # extension schema is kept.
    with pymupdf.open(next((out / "signées").glob("2026-002_*.pdf"))) as doc:
        xmp = doc.get_xml_metadata()
    assert "tdc:SourceDigest" in xmp
    assert "ns0:" not in xmp


def test_a_journal_cut_short_is_caught_by_the_anchors(
    exported: tuple[list[str], Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args, database, out = exported
    with sqlite3.connect(database) as db:  # cut the last two events off the end
        last = db.execute("SELECT max(seq) FROM events").fetchone()[0]
        db.execute("DELETE FROM events WHERE seq > ?", (last - 2,))
    capsys.readouterr()
    # The chain that remains is a sound chain ...
    assert main([*args, "journal", "verify", "--against", "/nonexistent"]) == 0
    capsys.readouterr()
    # ... but the signed exports saw further.
    assert main([*args, "journal", "verify", "--against", str(out)]) == 1
    err = capsys.readouterr().err
    assert "Journal ALTÉRÉ" in err
    assert "(tronqué)" in err
    assert f"mais le journal s'arrête à l'événement n° {last - 2}" in err


def test_a_rewritten_journal_is_caught_by_the_anchors(
    exported: tuple[list[str], Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args, database, out = exported
    with sqlite3.connect(database) as db:  # forge a different last event, rehashed
        last = db.execute("SELECT max(seq) FROM events").fetchone()[0]
        db.execute("UPDATE events SET hash = ? WHERE seq = ?", ("0" * 64, last))
    capsys.readouterr()
    assert main([*args, "journal", "verify", "--against", str(out)]) == 1
    err = capsys.readouterr().err
    assert "(réécrit)" in err


def _transparency(path: Path) -> list[str]:
    """What PDF/A-2b would have to account for as transparency, object by object."""
    found = []
    with pymupdf.open(path) as doc:
        for xref in range(1, doc.xref_length()):
            try:
                source = doc.xref_object(xref, compressed=True)
            except RuntimeError:  # a free entry of the cross-reference table
                continue
            if re.search(r"/SMask\s*(\d+ 0 R|<<)", source):
                found.append(f"{xref}: soft mask")
            if re.search(r"/(CA|ca)\s*0?\.\d", source):
                found.append(f"{xref}: constant alpha")
            if "/S/Transparency" in source.replace(" ", ""):
                found.append(f"{xref}: transparency group")
    return found


def test_signed_exports_embed_every_font_and_use_no_transparency(
    exported: tuple[list[str], Path, Path],
) -> None:
    _args, _database, out = exported
    signed = sorted((out / "signées").glob("*.pdf"))
    assert len(signed) == 9
    for path in signed:
        fonts = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert fonts, path.name
        for line in fonts:  # name type encoding emb sub uni ...
            assert line.split()[-5] == "yes", f"{path.name}: {line}"
        assert _transparency(path) == [], path.name
