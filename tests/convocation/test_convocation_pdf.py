"""The convocation PDF and the proof of sending, read back: text, fonts, PDF/A, signature."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pymupdf
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from sync.session_documents import session_documents
from table_app.config import Config
from table_app.convocation.proof import proof_text, signed_proof
from table_app.convocation.sending import send_convocation, signed_convocation
from table_app.council.engine import SessionEngine
from table_app.council.state import Session
from table_app.signing import verify_pdf
from tests.convocation.support import SESSION, Ticking
from tests.screenshots import pdf_page_shot
from tests.smtp_server import RecordingHandler

FLAGS = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES
WHEN = datetime.fromisoformat("2026-11-23T09:00:00+01:00")


def _text(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return "\n".join(page.get_text(flags=FLAGS) for page in doc)


def _flat(text: str) -> str:
    """One line, as read (a word cut at its hyphen at a line's end joined again)."""
    return " ".join(text.replace("-\n", "-").split())


def _fonts_embedded(path: Path) -> list[str]:
    assert shutil.which("pdffonts"), "poppler-utils is needed"
    lines = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    header, fonts = lines[0], lines[2:]
    emb = header.index("emb")
    assert fonts, "no font found"
    return [line for line in fonts if line[emb : emb + 3] != "yes"]


def _pyhanko_valid(path: Path, config: Config, tmp_path: Path) -> str:
    """pyHanko's own validator, trusting the commune's (self-signed) certificate."""
    p12 = next(config.data_dir.rglob("mairie-autosignee.p12"))
    _key, certificate, _others = pkcs12.load_key_and_certificates(p12.read_bytes(), None)
    assert certificate is not None
    pem = tmp_path / "mairie.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    validated = subprocess.run(
        [
            str(Path(sys.executable).parent / "pyhanko"),
            "sign",
            "validate",
            "--no-revocation-check",
            "--executive-summary",
            "--trust-replace",
            "--trust",
            str(pem),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    return validated.stdout


def test_the_convocation_reads_back_signed_pdfa_fonts_embedded(
    convened: Session, config: Config, session_folder: Path, tmp_path: Path
) -> None:
    documents = session_documents(config.documents_folder, SESSION)
    path, data, made, notices = signed_convocation(convened, config, documents, WHEN)
    assert made
    assert "certificat auto-signé" in notices[0]
    text = _flat(_text(path))
    for expected in (
        "RÉPUBLIQUE FRANÇAISE",
        "Département de Creuse",
        "Commune de Val-de-Sauve",
        "CONVOCATION DU CONSEIL MUNICIPAL",
        "Séance du samedi 28 novembre 2026 à 20 h 00",
        "qui se tiendra le samedi 28 novembre 2026 à 20 h 00, Salle du conseil, mairie de "
        "Val-de-Sauve.",
        "articles L2121-10 à L2121-12",
        "1. Approbation du procès-verbal de la séance du 24 octobre 2026",
        "2. Décision modificative n° 2 du budget principal 2026 (rapporteur : Patrick Lemoine)",
        "8. Adhésion au service commun d'instruction des autorisations d'urbanisme",
        "À Val-de-Sauve, le 23 novembre 2026.",
        "Le maire,",
        "Hélène Marchand",
        "Signé électroniquement par Hélène Marchand",
        "un conseiller ne peut détenir qu'un seul pouvoir",
    ):
        assert expected in text, expected
    # The documents of the session, each with its point and its SHA-256.
    listed = {d.path.rsplit("/", 1)[-1]: d for d in documents}
    assert sorted(listed) == ["Note aux élus.pdf", "budget-dm2.pdf", "devis-couverture.jpg"]
    assert "Point 2 — 02 - Décision modificative n° 2/budget-dm2.pdf" in text
    assert "Point 3 — 03 - Toiture de l'école/devis-couverture.jpg" in text
    assert "Séance — Note aux élus.pdf" in text
    for doc in documents:
        assert (
            doc.sha256
            == hashlib.sha256((config.documents_folder / doc.path).read_bytes()).hexdigest()
        )
        assert f"SHA-256 : {doc.sha256.upper()}" in text
    assert "Propositions" not in text
    assert "Éclairage" not in text
    # Under 3,500 inhabitants: no note de synthèse.
    assert "Note explicative de synthèse" not in text
    # PDF/A-2b parts, fonts embedded, no transparency.
    assert _fonts_embedded(path) == []
    assert b"/SMask" not in data
    with pymupdf.open(path) as doc:
        xmp = doc.get_xml_metadata()
        assert "<pdfaid:part>2</pdfaid:part>" in xmp or 'pdfaid:part="2"' in xmp
        assert doc.metadata["title"] == "Convocation du conseil municipal du 28 novembre 2026"
        assert doc.metadata["author"] == "Commune de Val-de-Sauve"
        catalog = doc.pdf_catalog()
        assert "OutputIntents" in doc.xref_get_keys(catalog)
    # The signature: ours, then pyHanko's own validator.
    (report,) = verify_pdf(path)
    assert report.ok, report.summary
    assert report.field_name == "Maire"
    assert ":VALID" in _pyhanko_valid(path, config, tmp_path)
    # For a person to look at (the README's picture lists the demo's documents: made by hand).
    pdf_page_shot(path, tmp_path, "convocation-signee", dpi=110)


def test_from_3500_inhabitants_the_note_de_synthese_comes_from_the_points_texts(
    engine: SessionEngine, config: Config, session_folder: Path, tmp_path: Path
) -> None:
    from tests.convocation.support import demo_convene

    large = replace(config, commune=replace(config.commune, population=4200))
    town = SessionEngine(engine.journal, large)
    town.execute(demo_convene())
    session = town.state.sessions[SESSION]
    path, _data, _made, _notices = signed_convocation(session, large, [], WHEN)
    text = _flat(_text(path))
    assert "Note explicative de synthèse (article L2121-12 du CGCT)" in text
    budget = session.item("p2")
    assert budget is not None
    first_line = budget.text.splitlines()[0]
    assert _flat(first_line) in text
    assert "Aucun document déposé dans le dossier partagé « Séances/2026-11-28 »" in text
    (report,) = verify_pdf(path)
    assert report.ok


def test_the_proof_of_sending_names_each_member_and_each_failure(
    engine: SessionEngine,
    convened: Session,
    mail_config: Config,
    mail_server: tuple[RecordingHandler, int],
    session_folder: Path,
    tmp_path: Path,
) -> None:
    handler, _port = mail_server
    handler.refuse["emilie.roche@val-de-sauve.example"] = "550 5.1.1 Adresse inconnue"
    report = send_convocation(
        convened,
        mail_config,
        session_documents(mail_config.documents_folder, SESSION),
        record=lambda c: engine.execute(c, author="secretaire"),
        clock=Ticking("2026-11-23T09:00:00+01:00"),
    )
    text = proof_text(convened)
    assert (
        "Délai : le dernier élu convoqué (Émilie Roche) l'a été le 23/11/2026 à 9 h 00 "
    ) in text
    assert "4 jour(s) franc(s) avant la séance du 28/11/2026, 3 requis (délai respecté)" in text
    assert "Sylvie Garnier — convoqué(e) le 23/11/2026 à 9 h 00" in text
    assert "courriel (sylvie.garnier@val-de-sauve.example) : envoyé le 23/11/2026 à 9 h 00" in text
    assert "courriel (emilie.roche@val-de-sauve.example) : ÉCHEC le 23/11/2026" in text
    assert "550 5.1.1 Adresse inconnue" in text
    assert f"SHA-256 {report.sha256}" in text
    path, _notices = signed_proof(convened, mail_config)
    pdf = _flat(_text(path))
    assert "PREUVE D'ENVOI DE LA CONVOCATION" in pdf
    assert "Émilie Roche — convoqué(e) le 23/11/2026 à 9 h 00" in pdf  # by her folder
    assert "Courriel — emilie.roche@val-de-sauve.example : ÉCHEC" in pdf
    assert f"SHA-256 {report.sha256.upper()}" in pdf
    assert _fonts_embedded(path) == []
    (signature,) = verify_pdf(path)
    assert signature.ok
    assert ":VALID" in _pyhanko_valid(path, mail_config, tmp_path)
    one, _ = signed_proof(convened, mail_config, tmp_path / "preuve-sgarnier.pdf", "sgarnier")
    alone = _flat(_text(one))
    assert "Sylvie Garnier" in alone
    assert "Émilie Roche —" not in alone


@pytest.mark.parametrize("day", ["2026-11-23", "2026-11-24"])
def test_the_convocation_is_dated_by_its_sending_not_by_today(
    convened: Session, config: Config, day: str
) -> None:
    when = datetime.fromisoformat(f"{day}T09:00:00+01:00")
    path, _data, _made, _notices = signed_convocation(convened, config, [], when)
    text = _flat(_text(path))
    day_number = int(day[-2:])
    assert f"À Val-de-Sauve, le {day_number} novembre 2026." in text
