"""Signing the council's PDFs, checked by table-app and by independent verifiers.

Real keys, real pyHanko signatures, then poppler's ``pdfsig`` and pyHanko's own
command line (``pyhanko-cli``) read the result. ``pdfsig`` exits 0 whatever it
finds: its text is what is checked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pymupdf
import pypdf
import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization.pkcs12 import load_key_and_certificates

from table_app import signing
from table_app.cli import main
from table_app.export.deliberation_pdf import FONTS_DIR, PAGE, SIGNATURE_BOXES
from table_app.signing import (
    SELF_SIGNED_NOTICE,
    Pkcs12Key,
    RegisterSigners,
    SigningError,
    create_self_signed,
    sign_pdf,
    sign_register_pdf,
    verify_pdf,
)
from tests.support import cut_in_half, overwrite_signature_contents

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
        Pkcs12Key(pkcs12, PASSWORD),
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


#: Ways a signed file's signature becomes unreadable; pyHanko then quietly
#: leaves the signature out, as if the file had never been signed.
UNREADABLE = {
    "coupé en deux": cut_in_half,
    "signature mise à zéro": lambda path: overwrite_signature_contents(path, b"0"),
    "signature quelconque": lambda path: overwrite_signature_contents(path, b"5a3c9e17"),
}


@pytest.mark.parametrize("damage", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_signature_is_an_error_never_an_unsigned_file(
    signed: Path, damage: Callable[[Path], None], capsys: pytest.CaptureFixture[str]
) -> None:
    damage(signed)
    with pytest.raises(SigningError) as error:
        verify_pdf(signed)
    assert str(error.value) == (
        f"{signed} : la signature « Maire » est illisible : fichier tronqué ou modifié."
    )
    code, out = _verify(capsys, signed)
    assert code == 1
    assert "ÉCHEC — " in out
    assert "la signature « Maire » est illisible : fichier tronqué ou modifié." in out
    assert "aucune signature" not in out
    assert "Traceback" not in out


def test_an_unsigned_file_has_no_signature_and_an_intact_one_still_verifies(
    tmp_path: Path, signed: Path
) -> None:
    assert verify_pdf(_minutes(tmp_path / "non-signe.pdf")) == []
    [report] = verify_pdf(signed)
    assert (report.field_name, report.signer_name) == ("Maire", "Mairie de Saint-Véran")
    assert report.ok


def test_a_wrong_certificate_password_is_refused_clearly(tmp_path: Path, pkcs12: Path) -> None:
    source = _minutes(tmp_path / "pv.pdf")
    with pytest.raises(SigningError, match="mot de passe incorrect"):
        sign_pdf(
            source,
            tmp_path / "out.pdf",
            Pkcs12Key(pkcs12, b"mauvais"),
            field_name="Maire",
            reason="Approbation",
            location="Saint-Véran",
            signer_name="Le maire",
        )
    assert not (tmp_path / "out.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_pdfsig_is_installed() -> None:
    assert shutil.which("pdfsig"), "poppler-utils (pdfsig) est requis pour ces tests"


# --- Acts of the register: visible signatures on their boxes -------------------

STAMP_DATE = re.compile(r"le \d\d/\d\d/\d{4} à \d\d:\d\d")


@pytest.fixture(scope="module")
def secretary_pkcs12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("certificat-secretaire")
    return create_self_signed("Saint-Véran, secrétariat", folder / "secretaire.p12", PASSWORD)


def _pem(pkcs12_file: Path, target: Path) -> Path:
    _key, cert, _others = load_key_and_certificates(pkcs12_file.read_bytes(), PASSWORD)
    assert cert is not None
    target.write_bytes(cert.public_bytes(Encoding.PEM))
    return target


def _act(path: Path) -> Path:
    """Two pages, DejaVu Serif embedded, the signature boxes drawn on the last."""
    doc = pymupdf.open()
    for number in (1, 2):
        page = doc.new_page(width=PAGE.width, height=PAGE.height)
        page.insert_font(fontname="registre", fontfile=str(FONTS_DIR / "DejaVuSerif.ttf"))
        page.insert_text(
            (72, 72), f"Délibération n° 2026-07, page {number}", fontname="registre", fontsize=11
        )
    for box in SIGNATURE_BOXES.values():
        doc[-1].draw_rect(box, color=(0.45, 0.45, 0.45), width=0.6)
    doc.save(path)
    doc.close()
    return path


def _sign_act(source: Path, target: Path, keys: RegisterSigners) -> Path:
    sign_register_pdf(
        source,
        target,
        keys,
        reason="Délibération n° 2026-07",
        location="Saint-Véran",
        mayor_name="Hélène Marchand",
        secretary_name="Bernard Rousseau",
        boxes=SIGNATURE_BOXES,
        timezone="Europe/Paris",
    )
    return target


@pytest.fixture(scope="module")
def act_signed_twice(
    tmp_path_factory: pytest.TempPathFactory, pkcs12: Path, secretary_pkcs12: Path
) -> Path:
    folder = tmp_path_factory.mktemp("acte")
    keys = RegisterSigners(Pkcs12Key(pkcs12, PASSWORD), Pkcs12Key(secretary_pkcs12, PASSWORD))
    return _sign_act(_act(folder / "acte.pdf"), folder / "acte-signe.pdf", keys)


def _pdfsig_blocks(path: Path) -> list[str]:
    return _pdfsig(path).split("Signature #")[1:]


def _pyhanko_summary(path: Path, *trusted: Path) -> tuple[int, str]:
    trust = [arg for pem in trusted for arg in ("--trust", str(pem))]
    result = subprocess.run(
        [
            str(PYHANKO),
            "sign",
            "validate",
            "--no-revocation-check",
            "--executive-summary",
            "--trust-replace",
            *trust,
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_mayor_and_secretary_signatures_are_both_valid(
    act_signed_twice: Path, pkcs12: Path, secretary_pkcs12: Path, tmp_path: Path
) -> None:
    mayor, secretary = _pdfsig_blocks(act_signed_twice)
    assert "Signature Field Name: Maire" in mayor
    assert "Signature is Valid" in mayor
    assert "Not total document signed" in mayor
    assert "Signature Field Name: Secretaire" in secretary
    assert "Signature is Valid" in secretary
    assert "Total document signed" in secretary
    assert "Not total document signed" not in secretary

    trusted = (_pem(pkcs12, tmp_path / "maire.pem"), _pem(secretary_pkcs12, tmp_path / "sec.pem"))
    code, out = _pyhanko_summary(act_signed_twice, *trusted)
    assert code == 0, out
    assert re.search(r"^Maire:[0-9a-f]+:VALID$", out, re.M), out
    assert re.search(r"^Secretaire:[0-9a-f]+:VALID$", out, re.M), out

    first, second = verify_pdf(act_signed_twice)
    assert (first.field_name, first.signer_name) == ("Maire", "Mairie de Saint-Véran")
    assert second.field_name == "Secretaire"
    assert second.signer_name == "Mairie de Saint-Véran, secrétariat"
    assert first.ok
    assert second.ok


def test_without_a_secretary_key_only_the_mayor_signs(tmp_path: Path, pkcs12: Path) -> None:
    signed = _sign_act(
        _act(tmp_path / "acte.pdf"),
        tmp_path / "acte-signe.pdf",
        RegisterSigners(Pkcs12Key(pkcs12, PASSWORD)),
    )
    [report] = verify_pdf(signed)
    assert report.field_name == "Maire"
    assert report.ok
    [block] = _pdfsig_blocks(signed)
    assert "Total document signed" in block
    assert "Not total document signed" not in block


def _revision_end(data: bytes, signature: int) -> int:
    """Where the revision that holds the ``signature``-th signature (from 1) ends."""
    at = 0
    for _ in range(signature):
        at = data.index(b"/ByteRange", at) + 1
    return data.index(b"%%EOF", at) + len(b"%%EOF\n")


@pytest.mark.parametrize(
    ("which", "damage"),
    [
        ("Maire", lambda path: overwrite_signature_contents(path, b"0", which=0)),
        ("Secretaire", lambda path: overwrite_signature_contents(path, b"0", which=1)),
        ("Secretaire", lambda path: overwrite_signature_contents(path, b"c0ffee", which=1)),
        ("Secretaire", lambda path: cut_in_half(path, _revision_end(path.read_bytes(), 1))),
    ],
    ids=["maire-zéro", "secrétaire-zéro", "secrétaire-quelconque", "secrétaire-coupée"],
)
def test_either_unreadable_signature_of_a_countersigned_act_is_named(
    act_signed_twice: Path, tmp_path: Path, which: str, damage: Callable[[Path], None]
) -> None:
    act = tmp_path / "acte-signe.pdf"
    shutil.copyfile(act_signed_twice, act)
    damage(act)
    with pytest.raises(
        SigningError, match=f"la signature « {which} » est illisible : fichier tronqué ou modifié"
    ):
        verify_pdf(act)


def test_signature_widgets_lie_on_their_boxes_of_the_last_page(act_signed_twice: Path) -> None:
    doc = pymupdf.open(act_signed_twice)
    assert not list(doc[0].widgets())
    widgets = {w.field_name: w for w in doc[-1].widgets()}
    doc.close()
    assert set(widgets) == {"Maire", "Secretaire"}
    for name, key in (("Maire", "maire"), ("Secretaire", "secretaire")):
        assert widgets[name].field_type_string == "Signature"
        assert widgets[name].rect == SIGNATURE_BOXES[key]

    # The same read by pypdf, in PDF coordinates (origin at the bottom left).
    reader = pypdf.PdfReader(act_signed_twice)
    last = reader.pages[-1]
    height = float(last.mediabox.top)
    rects = {}
    annots = last["/Annots"]
    assert isinstance(annots, pypdf.generic.ArrayObject)
    for ref in annots:
        annot = ref.get_object()
        assert annot["/Subtype"] == "/Widget"
        assert int(annot["/F"]) & 4, "a printed widget (PDF/A)"
        rects[annot["/T"]] = [float(v) for v in annot["/Rect"]]
    for name, key in (("Maire", "maire"), ("Secretaire", "secretaire")):
        box = SIGNATURE_BOXES[key]
        assert rects[name] == pytest.approx([box.x0, height - box.y1, box.x1, height - box.y0])


def test_the_stamp_shows_who_signed_and_when_inside_the_box(act_signed_twice: Path) -> None:
    doc = pymupdf.open(act_signed_twice)
    page = doc[-1]
    for key in ("maire", "secretaire"):
        box = SIGNATURE_BOXES[key]
        lower = pymupdf.Rect(box.x0 + 2, box.y0 + 40, box.x1 - 2, box.y1 - 2)  # the stamp's part
        bare = page.get_pixmap(clip=lower, annots=False)
        stamped = page.get_pixmap(clip=lower, annots=True)
        assert set(bare.samples) == {255}, "nothing under the stamp but the handwriting"
        assert min(stamped.samples) < 100, "the stamp is drawn"
    doc.bake(annots=True, widgets=True)  # the appearance streams become page text
    page = doc[-1]
    for key, name in (("maire", "Hélène Marchand"), ("secretaire", "Bernard Rousseau")):
        box = SIGNATURE_BOXES[key]
        text = page.get_text("text", clip=box)
        assert f"Signé électroniquement par {name}" in text
        assert STAMP_DATE.search(text), text
        words = page.get_text("words", clip=box)
        assert words
        for x0, y0, x1, y1, *_ in words:
            # Inside the box, in its lower half (the handwriting goes above).
            assert box.x0 <= x0, (x0, x1)
            assert x1 <= box.x1, (x0, x1)
            assert (box.y0 + box.y1) / 2 <= y0, (y0, y1)
            assert y1 <= box.y1, (y0, y1)
    doc.close()


def test_the_stamp_background_is_transparent(tmp_path: Path, pkcs12: Path) -> None:
    """A handwritten signature drawn in the box by the page stays visible."""
    source = _act(tmp_path / "acte.pdf")
    doc = pymupdf.open(source)
    box = SIGNATURE_BOXES["maire"]
    start, end = (box.x0 + 20, box.y0 + 20), (box.x1 - 20, box.y0 + 35)
    doc[-1].draw_line(start, end, color=(0, 0, 0.5), width=3)
    doc.saveIncr()
    doc.close()
    signed = _sign_act(source, tmp_path / "signe.pdf", RegisterSigners(Pkcs12Key(pkcs12, PASSWORD)))
    doc = pymupdf.open(signed)
    clip = pymupdf.Rect(box.x0 + 1, box.y0 + 1, box.x1 - 1, box.y1 - 40)
    bare = doc[-1].get_pixmap(clip=clip, annots=False)
    stamped = doc[-1].get_pixmap(clip=clip, annots=True)
    assert bare.samples == stamped.samples
    assert min(bare.samples) < 100
    doc.close()


def test_every_font_is_embedded_after_signing(act_signed_twice: Path) -> None:
    result = subprocess.run(
        ["pdffonts", str(act_signed_twice)], capture_output=True, text=True, check=True, timeout=60
    )
    rows = result.stdout.splitlines()[2:]
    assert len(rows) >= 3, result.stdout  # the page's font and one per stamp
    for row in rows:
        # name type encoding emb sub uni object ID: "emb" is the 4th column from the end.
        assert row.split()[-5] == "yes", result.stdout
    assert sum("DejaVuSerif" in row for row in rows) >= 2, result.stdout


def test_a_box_outside_the_last_page_is_refused(tmp_path: Path, pkcs12: Path) -> None:
    with pytest.raises(SigningError, match="sort de la dernière page"):
        sign_pdf(
            _act(tmp_path / "acte.pdf"),
            tmp_path / "signe.pdf",
            Pkcs12Key(pkcs12, PASSWORD),
            field_name="Maire",
            reason="Délibération",
            location="Saint-Véran",
            signer_name="Hélène Marchand",
            box=(56, 800, 266, 900),
        )
    assert not (tmp_path / "signe.pdf").exists()


def test_a_signature_larger_than_the_room_kept_is_made_again(
    tmp_path: Path, pkcs12: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tiny room (as a token's long certificate chain would overflow the usual one).
    monkeypatch.setattr(signing, "SIGNATURE_BYTES", 512)
    signed = _sign(_minutes(tmp_path / "pv.pdf"), tmp_path / "pv-signe.pdf", pkcs12)
    reports = verify_pdf(signed)
    assert len(reports) == 1
    assert reports[0].ok


def test_the_self_signed_key_file_is_private(pkcs12: Path) -> None:
    assert pkcs12.stat().st_mode & 0o777 == 0o600
