"""Publication online and the prefecture's package, on real files."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pymupdf
import pytest

from table_app.export.publish import (
    CSV_NAME,
    INDEX_NAME,
    MANIFEST_NAME,
    SCDL_COLUMNS,
    PublishedAct,
    PublishError,
    atomic_copy,
    atomic_write_bytes,
    internal_number,
    publish,
    transmission_package,
)

COMMUNE = "Saint-Martin-de-Londres"


def make_pdf(path: Path, text: str) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), text)
    doc.save(path)
    doc.close()
    return path


def act(
    tmp_path: Path,
    number: str,
    obj: str,
    *,
    day: str = "2026-03-12",
    result: str = "adopte",
    classification: str | None = "7.1",
    session: str = "seance-1",
) -> PublishedAct:
    source = tmp_path / "signes"
    source.mkdir(exist_ok=True)
    return PublishedAct(
        number=number,
        date=day,
        object=obj,
        result=result,
        pdf=make_pdf(source / f"{number}.pdf", f"Délibération {number} : {obj}"),
        classification=classification,
        votes={"pour": 10, "contre": 2, "abstention": 1, "votants": 13},
        session_id=session,
    )


def first_session(tmp_path: Path) -> list[PublishedAct]:
    return [
        act(tmp_path, "2026-001", "Vote du budget primitif 2026"),
        act(tmp_path, "2026-002", "Tarifs de la salle des fêtes", result="rejete"),
    ]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_csv(folder: Path) -> list[dict[str, str]]:
    raw = (folder / CSV_NAME).read_bytes().decode("utf-8")
    reader = csv.DictReader(io.StringIO(raw, newline=""))
    assert tuple(reader.fieldnames or ()) == SCDL_COLUMNS
    return list(reader)


def test_publish_twice_changes_nothing(tmp_path: Path) -> None:
    public = tmp_path / "Public"
    acts = first_session(tmp_path)
    liste = make_pdf(tmp_path / "liste.pdf", "Liste des délibérations")
    first = publish(acts, public, COMMUNE, "34259", liste, today=date(2026, 3, 13))
    folder = public / "Délibérations" / "2026"
    assert first.folders == [folder]
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        MANIFEST_NAME,
        "2026-001_vote-du-budget-primitif-2026.pdf",
        "2026-002_tarifs-de-la-salle-des-fetes.pdf",
        "2026-03-12_liste_des_deliberations.pdf",
        CSV_NAME,
        INDEX_NAME,
    ]
    assert (folder / "2026-001_vote-du-budget-primitif-2026.pdf").read_bytes() == acts[
        0
    ].pdf.read_bytes()
    before = snapshot(folder)

    second = publish(acts, public, COMMUNE, "34259", liste, today=date(2026, 3, 20))
    assert second.written == []
    assert len(second.unchanged) == 6
    assert snapshot(folder) == before  # same bytes, not even rewritten
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert sorted(manifest["acts"]) == ["2026-001", "2026-002"]
    assert {e["online"] for e in manifest["acts"].values()} == {"2026-03-13"}
    assert [r["DELIB_ID"] for r in read_csv(folder)] == ["2026-001", "2026-002"]


def test_a_later_session_adds_to_the_year(tmp_path: Path) -> None:
    public = tmp_path / "Public"
    publish(first_session(tmp_path), public, COMMUNE, None, today=date(2026, 3, 13))
    later = [
        act(
            tmp_path,
            "2026-003",
            "Élection d'un adjoint",
            day="2026-06-04",
            classification="5.1",
            session="seance-2",
        )
    ]
    report = publish(later, public, COMMUNE, None, today=date(2026, 6, 5))
    folder = public / "Délibérations" / "2026"
    assert folder / "2026-003_election-d-un-adjoint.pdf" in report.written
    assert [r["DELIB_ID"] for r in read_csv(folder)] == ["2026-001", "2026-002", "2026-003"]
    page = (folder / INDEX_NAME).read_text(encoding="utf-8")
    for text in ("Vote du budget primitif 2026", "Élection d&#x27;un adjoint", "2026-003"):
        assert text in page
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["acts"]["2026-001"]["online"] == "2026-03-13"
    assert manifest["acts"]["2026-003"]["online"] == "2026-06-05"


def test_a_number_is_never_reused_for_another_session(tmp_path: Path) -> None:
    public = tmp_path / "Public"
    publish(first_session(tmp_path), public, COMMUNE, None, today=date(2026, 3, 13))
    intruder = act(tmp_path, "2026-002", "Autre objet", day="2026-06-04", session="seance-2")
    with pytest.raises(PublishError, match="déjà en ligne pour une autre séance"):
        publish([intruder], public, COMMUNE, None, today=date(2026, 3, 13))


def test_index_lists_every_act_with_working_links(tmp_path: Path) -> None:
    public = tmp_path / "Public"
    acts = first_session(tmp_path)
    liste = make_pdf(tmp_path / "liste.pdf", "Liste")
    publish(acts, public, COMMUNE, "34259", liste, today=date(2026, 3, 13))
    folder = public / "Délibérations" / "2026"
    parser = Links()
    parser.feed((folder / INDEX_NAME).read_text(encoding="utf-8"))
    parser.close()
    text = " ".join(parser.text)
    for a in acts:
        assert a.object in text
        assert a.number in text
    assert "Adoptée" in text
    assert "Rejetée" in text
    assert "12 mars 2026" in text  # session date
    assert "13 mars 2026" in text  # put online
    assert len(parser.hrefs) == 3
    for href in parser.hrefs:
        assert "/" not in href
        assert (folder / unquote(href)).is_file()


def test_csv_follows_the_scdl_schema(tmp_path: Path) -> None:
    public = tmp_path / "Public"
    publish(
        first_session(tmp_path),
        public,
        COMMUNE,
        "34259",
        siret="21340259000019",
        base_url="https://mairie.example.fr/deliberations/2026/",
        today=date(2026, 3, 13),
    )
    rows = read_csv(public / "Délibérations" / "2026")
    assert rows[0] == {
        "COLL_NOM": COMMUNE,
        "COLL_SIRET": "21340259000019",
        "DELIB_ID": "2026-001",
        "DELIB_DATE": "2026-03-12",
        "DELIB_MATIERE_CODE": "7.1",
        "DELIB_MATIERE_NOM": "Finances locales",
        "DELIB_OBJET": "Vote du budget primitif 2026",
        "BUDGET_ANNEE": "",
        "BUDGET_NOM": "",
        "PREF_ID": "",
        "PREF_DATE": "",
        "VOTE_EFFECTIF": "",
        "VOTE_REEL": "13",
        "VOTE_POUR": "10",
        "VOTE_CONTRE": "2",
        "VOTE_ABSTENTION": "1",
        "DELIB_URL": "https://mairie.example.fr/deliberations/2026/"
        "2026-001_vote-du-budget-primitif-2026.pdf",
    }
    assert rows[1]["DELIB_OBJET"] == "Tarifs de la salle des fêtes"


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if ".tmp-" in p.name]


def test_missing_signed_pdf_publishes_nothing(tmp_path: Path) -> None:
    public = tmp_path / "Public"
    publish(first_session(tmp_path), public, COMMUNE, None, today=date(2026, 3, 13))
    folder = public / "Délibérations" / "2026"
    before = snapshot(folder)
    present = act(tmp_path, "2026-003", "Subvention au comité des fêtes", day="2026-06-04")
    missing = act(tmp_path, "2026-004", "Voirie communale", day="2026-06-04")
    missing.pdf.unlink()
    with pytest.raises(
        PublishError, match="Le PDF signé de la délibération 2026-004 est introuvable"
    ):
        publish([present, missing], public, COMMUNE, None, today=date(2026, 3, 13))
    assert snapshot(folder) == before
    assert no_temp_files(public)


def test_failed_write_leaves_no_half_file(tmp_path: Path) -> None:
    public = tmp_path / "Public"
    publish(first_session(tmp_path), public, COMMUNE, None, today=date(2026, 3, 13))
    folder = public / "Délibérations" / "2026"
    before = snapshot(folder)
    ok = act(tmp_path, "2026-003", "Subvention au comité des fêtes", day="2026-06-04")
    blocked = act(tmp_path, "2026-004", "Voirie communale", day="2026-06-04")
    # Something already sits where the PDF must go: the rename fails after the copy is written.
    obstacle = folder / blocked.file_name
    obstacle.mkdir()
    (obstacle / "garde.txt").write_text("ne pas écraser")
    with pytest.raises(PublishError, match="Impossible d'écrire « 2026-004_voirie-communale.pdf »"):
        publish([ok, blocked], public, COMMUNE, None, today=date(2026, 6, 5))
    assert no_temp_files(public)
    assert (obstacle / "garde.txt").read_text() == "ne pas écraser"
    for name, (data, _) in before.items():
        assert (folder / name).read_bytes() == data  # manifest, index and CSV untouched
    assert (folder / ok.file_name).read_bytes() == ok.pdf.read_bytes()  # whole, never half

    obstacle.joinpath("garde.txt").unlink()
    obstacle.rmdir()
    publish([ok, blocked], public, COMMUNE, None, today=date(2026, 6, 5))
    assert [r["DELIB_ID"] for r in read_csv(folder)] == [f"2026-00{i}" for i in range(1, 5)]


def test_atomic_write_and_copy(tmp_path: Path) -> None:
    target = tmp_path / "dossier" / "acte.pdf"
    atomic_write_bytes(target, b"v1")
    atomic_write_bytes(target, b"v2")
    assert target.read_bytes() == b"v2"
    with pytest.raises(FileNotFoundError):
        atomic_copy(tmp_path / "absent.pdf", target)
    assert target.read_bytes() == b"v2"
    source = make_pdf(tmp_path / "source.pdf", "x")
    atomic_copy(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["acte.pdf"]


def test_transmission_package(tmp_path: Path) -> None:
    acts = first_session(tmp_path)
    out = tmp_path / "prefecture"
    folders = transmission_package(acts, out, "213402590", "034")
    assert folders == [out / "2026-001", out / "2026-002"]
    for a, folder in zip(acts, folders, strict=True):
        assert (folder / a.file_name).read_bytes() == a.pdf.read_bytes()
        root = ET.parse(folder / "enveloppe.xml").getroot()
        acte = root.find("Acte")
        assert acte is not None
        assert acte.get("CodeNatureActe") == "1"
        assert acte.get("Date") == "2026-03-12"
        numero = acte.get("NumeroInterne") or ""
        assert numero == a.number.replace("-", "_")
        assert 0 < len(numero) <= 15
        assert acte.findtext("Classification") == "7.1"
        assert [m.get("CodeMatiere") for m in acte.iter() if m.tag.startswith("CodeMatiere")] == [
            "7",
            "1",
        ]
        assert acte.findtext("Objet") == a.object
        assert root.findtext("Emetteur/SIREN") == "213402590"
    again = transmission_package(acts, out, "213402590", "034")
    assert again == folders
    assert no_temp_files(out)


def test_transmission_refuses_a_missing_classification(tmp_path: Path) -> None:
    acts = [*first_session(tmp_path), act(tmp_path, "2026-003", "Sans code", classification=None)]
    out = tmp_path / "prefecture"
    with pytest.raises(PublishError) as refused:
        transmission_package(acts, out, None, "034")
    assert str(refused.value) == (
        "Classification @CTES manquante pour la délibération 2026-003 : "
        "choisissez-la sur le point avant la transmission"
    )
    assert not out.exists()  # checked before anything is written


def test_internal_number() -> None:
    assert internal_number("2026-002") == "2026_002"
    assert internal_number("del 2026/12") == "DEL_2026_12"
    with pytest.raises(PublishError, match="dépasse 15 caractères"):
        internal_number("2026-000000000012")
