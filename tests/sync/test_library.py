"""The library without the watcher: ingest, rejections with their reason, the
command line's one-shot scan."""

import json
import os
from pathlib import Path

import pytest

from demo import DEMO_CONFIG
from sync.cli import main
from sync.extract import find_converter
from sync.library import DocumentLibrary
from sync.search import search
from table_app.store import Database
from tests.sync.conftest import FeedLog, make_pdf
from tests.sync.test_bad_files import odt


def test_a_bad_file_gets_its_reason_and_stops_nothing(
    library: DocumentLibrary, folder: Path, feed_log: FeedLog
) -> None:
    (folder / "devis.pdf").write_bytes(os.urandom(4096))
    (folder / "vide.pdf").write_bytes(b"")
    (folder / "notes.xyz").write_bytes(b"\x00\x01\x02 quelque chose")
    make_pdf(folder / "bon.pdf", pages=2)
    report = library.reconcile()
    assert [c.path for c in report.added] == ["bon.pdf"]
    reasons = {c.path: c.reason for c in report.rejected}
    assert set(reasons) == {"devis.pdf", "vide.pdf", "notes.xyz"}
    assert "PDF endommagé" in str(reasons["devis.pdf"])
    assert "vide" in str(reasons["vide.pdf"])
    assert "non pris en charge" in str(reasons["notes.xyz"])
    rejected = feed_log.wait_for("document.rejected", "devis.pdf")
    assert rejected.payload["status"] == "rejected"
    assert rejected.payload["reason"] == reasons["devis.pdf"]
    listed = {d["path"]: d for d in library.documents()}
    assert listed["devis.pdf"]["status"] == "rejected"  # listed, with its reason
    assert listed["bon.pdf"]["page_count"] == 2
    assert listed["bon.pdf"]["text_indexed"] is True


def test_a_new_version_keeps_the_old_one(library: DocumentLibrary, folder: Path) -> None:
    make_pdf(folder / "budget.pdf", pages=1, text="Budget primitif, première version")
    library.reconcile()
    make_pdf(folder / "budget.pdf", pages=3, text="Budget primitif, version amendée")
    report = library.reconcile()
    assert [c.path for c in report.updated] == ["budget.pdf"]
    doc = library.documents()[0]
    versions = library.versions(doc["document_id"])
    assert [v["hash"] for v in versions][-1] == doc["hash"]
    assert len({v["hash"] for v in versions}) == 2
    old = library.viewable_path(versions[0]["hash"])
    assert old.read_bytes().startswith(b"%PDF")
    assert library.thumbnail(doc["hash"]) is not None
    assert library.reconcile().unchanged == 1  # nothing new: not even rehashed


def test_ingest_command(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    make_pdf(folder / "Séances" / "2026-11-28" / "02 - Budget" / "budget.pdf", pages=4)
    (folder / "abîmé.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(300))
    args = ["--config", str(config), "ingest", str(folder)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "1 ajouté(s), 0 modifié(s), 0 retiré(s), 1 refusé(s)" in out
    assert "Refusé : abîmé.pdf — PDF endommagé" in out
    (folder / "abîmé.pdf").unlink()
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["path"] for r in report["removed"]] == ["abîmé.pdf"]
    assert report["unchanged"] == 1


@pytest.mark.skipif(find_converter() is None, reason="LibreOffice is not installed")
def test_an_office_document_is_shown_as_pdf_and_searchable(
    library: DocumentLibrary, folder: Path, database: Database
) -> None:
    (folder / "Séances" / "2026-11-28" / "01 - PV").mkdir(parents=True)
    odt(folder / "Séances" / "2026-11-28" / "01 - PV" / "ordre du jour.odt")
    report = library.reconcile()
    assert [c.path for c in report.added] == ["Séances/2026-11-28/01 - PV/ordre du jour.odt"]
    doc = library.documents()[0]
    assert (doc["kind"], doc["page_count"], doc["text_indexed"]) == ("office", 1, True)
    assert library.viewable_path(doc["hash"]).read_bytes().startswith(b"%PDF")
    hits = search(database, "proces-verbal")
    assert [(h.document_id, h.page) for h in hits] == [(doc["document_id"], 1)]


def test_ingest_with_a_configuration_named_from_its_own_folder(
    tmp_path: Path,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--config config.toml`` typed in the configuration's folder: its
    relative paths are read from there, whatever the work after does."""
    config = tmp_path / "config.toml"
    config.write_text(DEMO_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    make_pdf(folder / "Séances" / "2026-11-28" / "02 - Budget" / "budget.pdf", pages=4)
    monkeypatch.chdir(tmp_path)
    assert main(["--config", "config.toml", "ingest", str(folder)]) == 0
    assert "1 ajouté(s), 0 modifié(s), 0 retiré(s), 0 refusé(s)" in capsys.readouterr().out
