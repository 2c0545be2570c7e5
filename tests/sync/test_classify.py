"""The folder convention and the names that are never documents."""

from pathlib import PurePosixPath as P

import pytest

from sync.classify import classify, is_ignored


def test_point_of_a_session() -> None:
    placed = classify(P("Séances/2026-11-28/03 - Budget primitif/devis.pdf"))
    assert (placed.category, placed.session_date, placed.item_position, placed.item_title) == (
        "seance",
        "2026-11-28",
        3,
        "Budget primitif",
    )
    assert placed.label == "Séance du 28/11/2026 — point 3 : Budget primitif"


@pytest.mark.parametrize(
    "folder",
    ["3_Budget primitif", "Point 3 : Budget primitif", "03 Budget primitif", "03-Budget primitif"],
)
def test_ways_of_writing_a_point(folder: str) -> None:
    placed = classify(P(f"seances/28.11.2026/{folder}/devis.pdf"))
    assert (placed.item_position, placed.item_title) == (3, "Budget primitif")


def test_session_as_a_whole_and_accents_or_case() -> None:
    placed = classify(P("SEANCES/28-11-2026/convocation.pdf"))
    assert (placed.category, placed.session_date, placed.item_position) == (
        "seance",
        "2026-11-28",
        None,
    )


def test_archives_by_year_and_date() -> None:
    assert classify(P("Archives/2025/rapport.pdf")).archive_year == 2025
    dated = classify(P("Archives/2025/2025-03-14/délibération.pdf"))
    assert (dated.archive_year, dated.archive_date, dated.label) == (
        2025,
        "2025-03-14",
        "Archives 2025 — 14/03/2025",
    )
    assert classify(P("archive/2024-06-30/pv.pdf")).archive_year == 2024


def test_commissions_and_everything_else() -> None:
    assert classify(P("Commissions/Finances/note.pdf")).commission == "Finances"
    assert classify(P("Commissions/Finances/note.pdf")).label == "Commission Finances"
    for other in ("plan.pdf", "Divers/plan.pdf", "Séances/pas une date/x.pdf", "Séances/x.pdf"):
        placed = classify(P(other))
        assert (placed.category, placed.label) == ("autre", "Autres documents"), other


@pytest.mark.parametrize(
    "name",
    [
        "devis.pdf.part",
        "scan.tmp",
        "~$devis.docx",
        ".~lock.budget.ods#",
        ".syncthing.plan.pdf.tmp",
        ".~12345.pdf",
        "plan.pdf.nextcloud",
        ".owncloudsync.log",
        ".cache",
        "Thumbs.db",
        ".stversions/plan.pdf",
        "Séances/.trash/plan.pdf",
        "Public/Délibérations/2026/2026-001_budget.pdf",  # the table's own publication
        "public/Délibérations/2026/index.html",
        # The table's own backups: the default folder, and its names anywhere.
        "Sauvegardes/table-du-conseil-2026-11-28-020000.sqlite3",
        "sauvegardes/notes.txt",
        "Mairie/table-du-conseil-2026-11-28-020000.sqlite3",
    ],
)
def test_temporary_lock_and_hidden_names_are_ignored(name: str) -> None:
    assert is_ignored(P(name))


def test_documents_are_not_ignored() -> None:
    for name in ("devis.pdf", "Séances/2026-11-28/01 - PV/pv.pdf", "scan 0001.jpg", "budget.ods"):
        assert not is_ignored(P(name))
