"""Real watchdog observers on real folders: what the secretary's scanner and the
cloud client do, and what the seats see (the document feed)."""

import os
import time
from pathlib import Path

import pytest

from sync.library import DocumentLibrary
from sync.service import DocumentSync
from tests.sync.conftest import FeedLog, make_pdf, pdf_bytes


def test_a_scanned_file_is_listed_when_its_writer_closes_it(
    sync: DocumentSync, folder: Path, feed_log: FeedLog
) -> None:
    target = folder / "Séances" / "2026-11-28" / "03 - Toiture de l'école" / "devis.pdf"
    target.parent.mkdir(parents=True)  # folders created after the start are watched
    data = pdf_bytes(3, "Devis toiture")
    with target.open("wb") as out:
        for start in range(0, len(data), 400):  # a slow writer, in chunks
            out.write(data[start : start + 400])
            out.flush()
            time.sleep(0.02)
            assert "document.added" not in feed_log.types(), "listed before it was complete"
    added = feed_log.wait_for(
        "document.added", "Séances/2026-11-28/03 - Toiture de l'école/devis.pdf"
    )
    assert added.payload["page_count"] == 3
    assert added.payload["item_position"] == 3
    assert added.payload["label"] == "Séance du 28/11/2026 — point 3 : Toiture de l'école"
    indexed = feed_log.wait_for("document.indexed", added.payload["path"])
    assert indexed.payload["text_indexed"] is True


def test_atomic_rename_saves(
    sync: DocumentSync, folder: Path, feed_log: FeedLog, library: DocumentLibrary
) -> None:
    temp = folder / ".budget.pdf.part"
    temp.write_bytes(pdf_bytes(1, "Budget version 1"))
    os.replace(temp, folder / "budget.pdf")
    first = feed_log.wait_for("document.added", "budget.pdf")
    # The client saves a new version the same way, over the old one.
    temp = folder / "budget.pdf.tmp"
    temp.write_bytes(pdf_bytes(2, "Budget version 2"))
    os.replace(temp, folder / "budget.pdf")
    updated = feed_log.wait_for("document.updated", "budget.pdf")
    assert updated.payload["document_id"] == first.payload["document_id"]
    assert updated.payload["page_count"] == 2
    assert sync.wait_idle(20)
    versions = library.versions(first.payload["document_id"])
    assert len(versions) == 2
    assert library.blob_path(versions[0]["hash"]).exists()  # the old version stays readable
    assert [d["path"] for d in library.documents()] == ["budget.pdf"]
    assert not any(
        ".part" in e.payload["path"] or ".tmp" in e.payload["path"] for e in feed_log.events
    )


def test_a_burst_of_200_files(
    sync: DocumentSync, folder: Path, feed_log: FeedLog, library: DocumentLibrary
) -> None:
    scans = folder / "Archives" / "2025"
    scans.mkdir(parents=True)
    for n in range(200):
        (scans / f"scan-{n:03d}.pdf").write_bytes(pdf_bytes(1, f"Archive numéro {n}"))
    assert sync.wait_idle(120)
    added = [e for e in feed_log.events if e.type == "document.added"]
    assert len(added) == 200
    assert len({e.payload["path"] for e in added}) == 200
    assert all(e.payload["archive_year"] == 2025 for e in added)
    assert len(library.documents()) == 200


def test_deletion_marks_the_document_removed_and_keeps_its_content(
    sync: DocumentSync, folder: Path, feed_log: FeedLog, library: DocumentLibrary
) -> None:
    make_pdf(folder / "plan.pdf")
    added = feed_log.wait_for("document.added", "plan.pdf")
    (folder / "plan.pdf").unlink()
    removed = feed_log.wait_for("document.removed", "plan.pdf")
    assert removed.payload["status"] == "removed"
    assert library.documents() == []
    kept = library.documents(include_removed=True)
    assert kept[0]["document_id"] == added.payload["document_id"]
    assert library.blob_path(added.payload["hash"]).exists()


def test_moves_and_renames_keep_the_document(
    sync: DocumentSync, folder: Path, feed_log: FeedLog
) -> None:
    make_pdf(folder / "devis.pdf")
    added = feed_log.wait_for("document.added", "devis.pdf")
    target = folder / "Séances" / "2026-11-28" / "02 - Voirie"
    target.mkdir(parents=True)
    os.replace(folder / "devis.pdf", target / "devis voirie.pdf")
    moved = feed_log.wait_for("document.moved", "Séances/2026-11-28/02 - Voirie/devis voirie.pdf")
    assert moved.payload["document_id"] == added.payload["document_id"]
    assert moved.payload["from"] == "devis.pdf"
    assert moved.payload["item_position"] == 2


def test_temporary_and_lock_files_are_never_listed(
    sync: DocumentSync, folder: Path, feed_log: FeedLog
) -> None:
    for name in (
        "~$devis.docx",
        ".~lock.budget.ods#",
        "scan.pdf.part",
        ".syncthing.a.pdf.tmp",
        "plan.pdf.nextcloud",
        ".owncloudsync.log",
    ):
        (folder / name).write_bytes(pdf_bytes())
    make_pdf(folder / "vrai.pdf")
    feed_log.wait_for("document.added", "vrai.pdf")
    assert sync.wait_idle(20)
    assert {e.payload["path"] for e in feed_log.events} == {"vrai.pdf"}


def test_duplicate_events_and_same_content_twice(
    sync: DocumentSync, folder: Path, feed_log: FeedLog, library: DocumentLibrary
) -> None:
    data = pdf_bytes(2, "Étude de la traversée du bourg")
    (folder / "étude.pdf").write_bytes(data)
    (folder / "étude (copie).pdf").write_bytes(data)
    feed_log.wait_for("document.added", "étude (copie).pdf")
    os.utime(folder / "étude.pdf")  # touched, same content: nothing new
    (folder / "étude.pdf").write_bytes(data)  # rewritten identical: nothing new either
    assert sync.wait_idle(20)
    docs = library.documents()
    assert len(docs) == 2
    assert docs[0]["hash"] == docs[1]["hash"]  # stored once
    assert feed_log.types("étude.pdf").count("document.added") == 1
    assert "document.updated" not in feed_log.types("étude.pdf")


def test_edits_while_the_table_is_off(library: DocumentLibrary, folder: Path) -> None:
    make_pdf(folder / "garde.pdf")
    make_pdf(folder / "change.pdf", text="avant")
    make_pdf(folder / "supprime.pdf")
    first = library.reconcile()
    assert len(first.added) == 3
    # The table is off: the cloud client keeps working.
    make_pdf(folder / "change.pdf", pages=2, text="après")
    (folder / "supprime.pdf").unlink()
    make_pdf(folder / "Archives" / "2024" / "nouveau.pdf")
    service = DocumentSync(library)
    log = FeedLog(library.feed)
    service.start()
    try:
        assert service.wait_idle(30)
    finally:
        service.stop()
    assert set(log.types()) >= {"document.added", "document.updated", "document.removed"}
    assert {e.payload["path"] for e in log.events if e.type == "document.added"} == {
        "Archives/2024/nouveau.pdf"
    }
    assert {e.payload["path"] for e in log.events if e.type == "document.updated"} == {"change.pdf"}
    assert {e.payload["path"] for e in log.events if e.type == "document.removed"} == {
        "supprime.pdf"
    }
    assert sorted(d["path"] for d in library.documents()) == [
        "Archives/2024/nouveau.pdf",
        "change.pdf",
        "garde.pdf",
    ]


def _can_lower_inotify_watches() -> bool:
    path = Path("/proc/sys/fs/inotify/max_user_watches")
    return os.geteuid() == 0 and path.exists() and os.access(path, os.W_OK)


@pytest.mark.skipif(
    not _can_lower_inotify_watches(), reason="needs root to lower fs.inotify.max_user_watches"
)
def test_no_inotify_watch_left_falls_back_to_polling(
    library: DocumentLibrary, folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(5):
        (folder / f"sous-dossier {n}").mkdir()
    limit = Path("/proc/sys/fs/inotify/max_user_watches")
    saved = limit.read_text()
    limit.write_text("1\n")
    try:
        service = DocumentSync(library, quiet_s=0.2)
        log = FeedLog(library.feed)
        service.start()
    finally:
        limit.write_text(saved)
    try:
        assert service.watcher.mode == "polling"
        assert "surveillance du dossier" in caplog.text
        assert "scrutation" in caplog.text
        make_pdf(folder / "sous-dossier 3" / "arrivé pendant la scrutation.pdf")
        log.wait_for("document.added", "sous-dossier 3/arrivé pendant la scrutation.pdf")
    finally:
        service.stop()
