"""The demo documents: real files, placed by the folder convention, the same bytes every time."""

import hashlib
import os
import time
from pathlib import Path, PurePosixPath

import pymupdf
import pytest

from demo.documents import DEMO_FILES, build_demo_documents
from sync.classify import classify

SESSION = "Séances/2026-11-28"
BUDGET = f"{SESSION}/02 - Décision modificative n° 2/budget-principal-2026-dm2.pdf"
TOITURE = f"{SESSION}/03 - Réfection de la toiture de l'école"
TRAVERSEE = f"{SESSION}/07 - Étude d'aménagement de la traversée du bourg"
PLAN = f"{TRAVERSEE}/plan-traversee-du-bourg.pdf"
STUDY = f"{TRAVERSEE}/etude-traversee-du-bourg.pdf"
SCAN_PDF = f"{TOITURE}/scan-devis-toitures-du-limousin.pdf"
SCAN_JPEG = f"{TOITURE}/devis-couverture-vidal.jpg"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("documents")
    start = time.perf_counter()
    paths = build_demo_documents(root)
    elapsed = time.perf_counter() - start
    size = sum(path.stat().st_size for path in paths)
    print(f"\n{len(paths)} documents de démonstration, {size / 1e6:.1f} Mo, en {elapsed:.2f} s")
    return root


def rel(path: str) -> PurePosixPath:
    return PurePosixPath(path)


def text_of(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return "\n".join(page.get_text() for page in doc)


def digests(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_every_file_is_written_and_opens(folder: Path) -> None:
    written = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    assert written == {name for name, _ in DEMO_FILES}
    for name, _ in DEMO_FILES:
        with pymupdf.open(folder / name) as doc:
            assert doc.page_count >= 1, name
            pix = doc[0].get_pixmap(dpi=20)
            assert pix.width > 0, name


def test_page_counts(folder: Path) -> None:
    expected = {
        BUDGET: 120,
        PLAN: 1,
        f"{SESSION}/01 - Approbation du procès-verbal/pv-seance-2026-10-24.pdf": 3,
        f"{SESSION}/convocation.pdf": 1,
        f"{SESSION}/06 - Tarifs de la salle des fêtes/tarifs-2027.pdf": 1,
        f"{SESSION}/04 - Compte administratif 2025/compte-administratif-lotissement-2025.pdf": 8,
        SCAN_PDF: 1,
    }
    for name, pages in expected.items():
        with pymupdf.open(folder / name) as doc:
            assert doc.page_count == pages, name
    with pymupdf.open(folder / STUDY) as doc:
        assert 12 <= doc.page_count <= 16


def test_budget_text_has_the_title_euros_and_accents(folder: Path) -> None:
    with pymupdf.open(folder / BUDGET) as doc:
        assert "Budget principal 2026" in doc[0].get_text()
        assert "Val-de-Sauve" in doc[60].get_text()  # the running header
        assert "Page 120 / 120" in doc[119].get_text()
        text = "\n".join(page.get_text() for page in doc)
    assert "€" in text
    assert "+58 320,00 €" in text  # the roof of the school, TTC
    for word in ("délibération", "école", "Décision modificative", "Bâtiments scolaires"):
        assert word in text, word


def test_french_characters_round_trip(folder: Path) -> None:
    study = text_of(folder / STUDY)
    assert "maîtrise d'œuvre" in study
    assert "« rue partagée »" in study
    deliberation = text_of(
        folder / "Archives/2025/2025-03-14/deliberation-2025-012-taux-imposition-2025.pdf"
    )
    assert "Extrait du registre des délibérations" in deliberation
    assert "L'an deux mille vingt-cinq, le quatorze mars" in deliberation
    assert "après en avoir délibéré, DÉCIDE" in deliberation
    assert "Émilie Roche" in deliberation


def test_the_convocation_lists_the_session_agenda(folder: Path) -> None:
    text = " ".join(text_of(folder / f"{SESSION}/convocation.pdf").split())
    assert "samedi 28 novembre 2026 à 20 h 00" in text
    assert "Val-de-Sauve, le 20 novembre 2026" in text
    for title in (
        "Approbation du procès-verbal de la séance du 24 octobre 2026",
        "Réfection de la toiture de l'école : choix de l'entreprise",
        "Étude d'aménagement de la traversée du bourg : présentation",
    ):
        assert title in text


def test_plan_is_thousands_of_vector_paths(folder: Path) -> None:
    with pymupdf.open(folder / PLAN) as doc:
        page = doc[0]
        assert page.rect.width > page.rect.height  # A3 landscape
        assert round(page.rect.width) == 1191
        drawings = page.get_drawings()
        items = [item[0] for drawing in drawings for item in drawing["items"]]
        assert not page.get_images()
        text = page.get_text()
    assert len(drawings) > 1_000
    assert len(items) > 10_000
    assert items.count("c") > 1_000  # trees, hedges, manholes: curves
    assert "LÉGENDE" in text
    assert "Étude d'aménagement de la traversée du bourg" in text


def test_scans_are_greyscale_images_only(folder: Path) -> None:
    pix = pymupdf.Pixmap(folder / SCAN_JPEG)
    assert (pix.n, pix.alpha) == (1, 0)  # greyscale
    assert pix.width > 1_600
    assert pix.xres == 200
    assert (folder / SCAN_JPEG).read_bytes()[:3] == b"\xff\xd8\xff"
    with pymupdf.open(folder / SCAN_PDF) as doc:
        page = doc[0]
        assert page.get_text().strip() == ""  # a scan: no text layer
        (image,) = page.get_images()
        assert doc.xref_get_key(image[0], "Filter") == ("name", "/DCTDecode")
        assert round(page.rect.width) == 595


def test_each_file_is_placed_by_the_folder_convention(folder: Path) -> None:
    placed = {name: classify(rel(name)) for name, _ in DEMO_FILES}
    for name, place in placed.items():
        if name.startswith(SESSION):
            assert (place.category, place.session_date) == ("seance", "2026-11-28"), name
    assert placed[BUDGET].item_position == 2
    assert placed[f"{TOITURE}/devis-couverture-vidal.jpg"].item_position == 3
    assert placed[f"{TOITURE}/devis-charpentes-marchoises.jpg"].item_position == 3
    assert placed[SCAN_PDF].item_position == 3
    assert placed[PLAN].item_position == 7
    assert placed[STUDY].item_position == 7
    assert placed[f"{SESSION}/convocation.pdf"].item_position is None
    archives = {
        (place.archive_year, place.archive_date)
        for place in placed.values()
        if place.category == "archive"
    }
    assert archives == {(2024, "2024-12-13"), (2025, "2025-03-14"), (2025, "2025-06-27")}
    note = placed["Commissions/Finances/note-preparatoire-budget-2027.pdf"]
    assert (note.category, note.commission) == ("commission", "Finances")
    assert placed["Divers/bulletin-municipal-automne-2026.pdf"].category == "autre"


def test_metadata_dates_are_fixed(folder: Path) -> None:
    with pymupdf.open(folder / BUDGET) as doc:
        assert doc.metadata["creationDate"] == "D:20261116090000+01'00'"
        assert doc.metadata["modDate"] == "D:20261116090000+01'00'"
        assert doc.metadata["author"] == "Mairie de Val-de-Sauve"


def test_two_builds_give_the_same_bytes(folder: Path, tmp_path: Path) -> None:
    start = time.perf_counter()
    build_demo_documents(tmp_path)
    print(f"\nseconde construction : {time.perf_counter() - start:.2f} s")
    assert digests(tmp_path) == digests(folder)


def test_existing_files_are_kept(tmp_path: Path) -> None:
    convocation = tmp_path / SESSION / "convocation.pdf"
    convocation.parent.mkdir(parents=True)
    convocation.write_bytes(b"ma version")
    first = build_demo_documents(tmp_path)
    assert convocation.read_bytes() == b"ma version"
    stamps = {path: path.stat().st_mtime_ns for path in first}
    os.utime(first[1], ns=(1, 1))
    again = build_demo_documents(tmp_path)
    assert again == first
    assert first[1].stat().st_mtime_ns == 1  # untouched, not rewritten
    assert all(path.stat().st_mtime_ns == stamps[path] for path in first if path != first[1])
    assert not list(tmp_path.rglob(".*"))  # no temporary file left behind
