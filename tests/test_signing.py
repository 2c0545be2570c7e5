"""Signing the council's PDFs, checked by table-app and by independent verifiers.

Real keys, real pyHanko signatures, then poppler's ``pdfsig`` and pyHanko's own
command line (``pyhanko-cli``) read the result. ``pdfsig`` exits 0 whatever it
finds: its text is what is checked.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest

from table_app.cli import main
from table_app.signing import (
    SELF_SIGNED_NOTICE,
    SigningError,
    create_self_signed,
    sign_pdf,
    verify_pdf,
)

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = b"mot-de-passe-mairie"
PYHANKO = Path(sys.executable).parent / "pyhanko"


@pytest.fixture(scope="module")
def pkcs12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("certificat")
    return create_self_signed("Saint-Véran", folder / "mairie.p12", PASSWORD)


def _minutes(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text(
        (72, 72),
        "Procès-verbal de la séance du conseil municipal du 3 mars\n"
        "Délibération n° 2026-07 : adoptée à l'unanimité.",
        fontsize=12,
    )
    doc.save(path, deflate=False, expand=255)  # plain content stream: the tamper test edits it
    doc.close()
    return path


def _sign(source: Path, target: Path, pkcs12: Path, field: str = "Maire") -> Path:
    sign_pdf(
        source,
        target,
        pkcs12,
        PASSWORD,
        field_name=field,
        reason="Approbation du procès-verbal",
        location="Saint-Véran",
        signer_name="Le maire" if field == "Maire" else "La secrétaire de séance",
    )
    return target


@pytest.fixture
def signed(tmp_path: Path, pkcs12: Path) -> Path:
    return _sign(_minutes(tmp_path / "pv.pdf"), tmp_path / "pv-signe.pdf", pkcs12)


def _pdfsig(path: Path) -> str:
    result = subprocess.run(
        ["pdfsig", str(path)], capture_output=True, text=True, check=False, timeout=60
    )
    return result.stdout + result.stderr


def _verify(capsys: pytest.CaptureFixture[str], *files: Path) -> tuple[int, str]:
    code = main(["verify", *map(str, files)])
    return code, capsys.readouterr().out


def test_signed_minutes_verify_in_table_app(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _verify(capsys, signed)
    assert code == 0, out
    assert "Mairie de Saint-Véran" in out
    assert "valide, fichier inchangé depuis la signature" in out
    assert "empreinte SHA-256" in out
    assert SELF_SIGNED_NOTICE in out
    [report] = verify_pdf(signed)
    assert report.field_name == "Maire"
    assert report.intact
    assert report.valid
    assert report.covers_whole_file
    assert not report.modified_after
    assert report.signing_time is not None


def test_verify_as_a_real_command(signed: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "table_app.cli", "verify", str(signed)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Mairie de Saint-Véran" in result.stdout


def test_pdfsig_finds_a_valid_signature_over_the_whole_file(signed: Path) -> None:
    out = _pdfsig(signed)
    assert "Signature is Valid" in out
    assert "Total document signed" in out
    assert "Not total document signed" not in out
    assert "Mairie de Saint-Véran" in out


def test_pyhanko_cli_finds_a_sound_signature_over_the_whole_file(signed: Path) -> None:
    result = subprocess.run(
        [str(PYHANKO), "sign", "validate", "--no-revocation-check", "--pretty-print", str(signed)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    out = result.stdout
    assert "The signature is cryptographically sound." in out, out + result.stderr
    assert "The signature covers the entire file." in out, out
    # Self-signed and no --trust: untrusted, which is what SELF_SIGNED_NOTICE says.
    assert "untrusted" in out


def test_secretary_countersigns_and_both_signatures_stay_valid(
    signed: Path, pkcs12: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = _sign(signed, signed.with_name("pv-deux-signatures.pdf"), pkcs12, "Secretaire")
    out = _pdfsig(both)
    assert out.count("Signature is Valid") == 2, out
    assert "Signature Field Name: Maire" in out
    assert "Signature Field Name: Secretaire" in out
    assert "Total document signed" in out  # the secretary's, the last one
    code, text = _verify(capsys, both)
    assert code == 0, text
    assert "« Maire »" in text
    assert "« Secretaire »" in text
    assert "2 signature(s) valide(s)" in text


def test_signing_in_place_twice_under_one_field_is_refused(signed: Path, pkcs12: Path) -> None:
    with pytest.raises(SigningError, match="porte déjà une signature « Maire »"):
        _sign(signed, signed, pkcs12, "Maire")
    assert len(verify_pdf(signed)) == 1


def test_a_flipped_byte_in_the_signed_text_is_detected(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bytearray(signed.read_bytes())
    at = data.find(b"12 Tf")
    assert at > 0, "the page content stream should be stored uncompressed"
    data[at + 1] = ord("3")  # font size 12 → 13: same length, different content
    signed.write_bytes(bytes(data))
    code, out = _verify(capsys, signed)
    assert code == 1
    assert "le contenu a changé après la signature" in out
    assert "ÉCHEC" in out


def test_an_annotation_added_after_signing_is_detected(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = pymupdf.open(signed)
    doc[0].add_text_annot((100, 100), "Ajout après signature")
    doc.saveIncr()
    doc.close()
    code, out = _verify(capsys, signed)
    assert code == 1
    assert "le fichier a été modifié après la signature" in out
    # pdfsig still calls the signature valid: only this line tells.
    pdfsig = _pdfsig(signed)
    assert "Not total document signed" in pdfsig


def test_bytes_appended_after_signing_are_detected(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed.write_bytes(signed.read_bytes() + b"%%EOF\n% ajout clandestin\n")
    code, out = _verify(capsys, signed)
    assert code == 1
    assert "le fichier a été modifié après la signature" in out
    assert "Not total document signed" in _pdfsig(signed)


def test_unsigned_broken_and_missing_files_fail_with_french_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unsigned = _minutes(tmp_path / "non-signe.pdf")
    text = tmp_path / "note.pdf"
    text.write_text("ceci n'est pas un PDF", encoding="utf-8")
    broken = tmp_path / "abime.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    code, out = _verify(capsys, unsigned, text, broken, tmp_path / "absent.pdf")
    assert code == 1
    assert "aucune signature" in out
    assert "n'est pas un fichier PDF" in out
    assert "PDF illisible ou endommagé" in out
    assert "Impossible de lire" in out
    assert "Traceback" not in out


def test_a_wrong_certificate_password_is_refused_clearly(tmp_path: Path, pkcs12: Path) -> None:
    source = _minutes(tmp_path / "pv.pdf")
    with pytest.raises(SigningError, match="mot de passe incorrect"):
        sign_pdf(
            source,
            tmp_path / "out.pdf",
            pkcs12,
            b"mauvais",
            field_name="Maire",
            reason="Approbation",
            location="Saint-Véran",
            signer_name="Le maire",
        )
    assert not (tmp_path / "out.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_pdfsig_is_installed() -> None:
    assert shutil.which("pdfsig"), "poppler-utils (pdfsig) est requis pour ces tests"
