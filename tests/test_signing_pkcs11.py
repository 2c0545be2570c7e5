"""Signing on a PKCS#11 token: a real SoftHSM2 token, real pyHanko signatures.

The session fixture makes a token in a temporary folder (``SOFTHSM2_CONF``),
imports a fresh key and its self-signed certificate into it with python-pkcs11,
then the tests sign real PDFs on it and have them read by poppler's ``pdfsig``
and pyHanko's command line, as the commune's RGS key on a USB key would be.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pymupdf
import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.hazmat.primitives.serialization.pkcs12 import load_key_and_certificates

from table_app import signing
from table_app.export.deliberation_pdf import FONTS_DIR, PAGE, SIGNATURE_BOXES
from table_app.signing import (
    Pkcs11Key,
    Pkcs12Key,
    RegisterSigners,
    SigningError,
    close_signing_sessions,
    create_self_signed,
    sign_pdf,
    sign_register_pdf,
    verify_pdf,
)

SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
PYHANKO = Path(sys.executable).parent / "pyhanko"
PIN = "482913"
SO_PIN = "12345678"

pytestmark = pytest.mark.skipif(
    not SOFTHSM.exists(), reason="SoftHSM2 absent (paquet Debian softhsm2, installé par setup.sh)"
)


@dataclass(frozen=True)
class Token:
    key: Pkcs11Key  # the mairie's key, as the configuration would give it
    certificate: Path  # its certificate (PEM), the trust root for the verifiers
    folder: Path


def _init_token(label: str) -> None:
    subprocess.run(
        [
            *("softhsm2-util", "--init-token", "--free", "--label", label),
            *("--so-pin", SO_PIN, "--pin", PIN),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _import_key(label: str, p12: Path, key_label: str, cert_label: str, key_id: bytes) -> bytes:
    """Put the key and certificate of ``p12`` on the token; returns the certificate (PEM)."""
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    private, cert, _ = load_key_and_certificates(p12.read_bytes(), None)
    assert private is not None
    assert cert is not None
    key_der = private.private_bytes(Encoding.DER, PrivateFormat.TraditionalOpenSSL, NoEncryption())
    token = pkcs11.lib(str(SOFTHSM)).get_token(token_label=label)
    with token.open(rw=True, user_pin=PIN) as session:
        key_attrs = decode_rsa_private_key(key_der)
        key_attrs.update(
            {
                Attribute.LABEL: key_label,
                Attribute.ID: key_id,
                Attribute.TOKEN: True,
                Attribute.PRIVATE: True,
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.SIGN: True,
            }
        )
        session.create_object(key_attrs)
        cert_attrs = decode_x509_certificate(cert.public_bytes(Encoding.DER))
        cert_attrs.update(
            {Attribute.LABEL: cert_label, Attribute.ID: key_id, Attribute.TOKEN: True}
        )
        session.create_object(cert_attrs)
    return cert.public_bytes(Encoding.PEM)


@pytest.fixture(scope="session")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Token]:
    """A SoftHSM2 token « Mairie » holding the key « signature » and, with the
    same ID but another label, its certificate; and an empty token « Vide »."""
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "jetons").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'jetons'}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as env:
        # Read by SoftHSM when the module is initialised: kept for the whole run.
        env.setenv("SOFTHSM2_CONF", str(conf))
        _init_token("Mairie")
        _init_token("Vide")
        p12 = create_self_signed("Saint-Véran (jeton)", folder / "cle.p12")
        pem = _import_key("Mairie", p12, "signature", "Certificat de la mairie", b"\x01")
        p12.unlink()  # the key now lives on the token only
        certificate = folder / "mairie-jeton.pem"
        certificate.write_bytes(pem)
        key = Pkcs11Key(SOFTHSM, "Mairie", "signature", None, PIN)
        yield Token(key, certificate, folder)
        close_signing_sessions()


@pytest.fixture(autouse=True)
def _no_session_left() -> Iterator[None]:
    yield
    close_signing_sessions()


def _act(path: Path) -> Path:
    doc = pymupdf.open()
    for number in (1, 2):
        page = doc.new_page(width=PAGE.width, height=PAGE.height)
        page.insert_font(fontname="registre", fontfile=str(FONTS_DIR / "DejaVuSerif.ttf"))
        page.insert_text(
            (72, 72), f"Délibération n° 2026-11, page {number}", fontname="registre", fontsize=11
        )
    for box in SIGNATURE_BOXES.values():
        doc[-1].draw_rect(box, color=(0.45, 0.45, 0.45), width=0.6)
    doc.save(path)
    doc.close()
    return path


def _sign(source: Path, target: Path, key: Pkcs11Key | Pkcs12Key, field: str = "Maire") -> Path:
    sign_pdf(
        source,
        target,
        key,
        field_name=field,
        reason="Délibération n° 2026-11",
        location="Saint-Véran",
        signer_name="Hélène Marchand",
        box=SIGNATURE_BOXES["maire" if field == "Maire" else "secretaire"],
    )
    return target


def _pdfsig_blocks(path: Path) -> list[str]:
    result = subprocess.run(
        ["pdfsig", str(path)], capture_output=True, text=True, check=False, timeout=60
    )
    return (result.stdout + result.stderr).split("Signature #")[1:]


def _pyhanko(path: Path, *trusted: Path) -> tuple[int, str]:
    trust = [arg for pem in trusted for arg in ("--trust", str(pem))]
    result = subprocess.run(
        [
            *(str(PYHANKO), "sign", "validate", "--no-revocation-check", "--trust-replace"),
            *("--executive-summary", *trust, str(path)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def test_a_pdf_signed_on_the_token_is_valid_for_every_verifier(
    token: Token, tmp_path: Path
) -> None:
    signed = _sign(_act(tmp_path / "acte.pdf"), tmp_path / "acte-signe.pdf", token.key)

    code, out = _pyhanko(signed, token.certificate)
    assert code == 0, out
    assert re.search(r"^Maire:[0-9a-f]+:VALID$", out, re.M), out

    [block] = _pdfsig_blocks(signed)
    assert "Signature is Valid" in block
    assert "Total document signed" in block
    assert "Not total document signed" not in block
    assert "Mairie de Saint-Véran (jeton)" in block

    [report] = verify_pdf(signed)
    assert report.signer_name == "Mairie de Saint-Véran (jeton)"
    assert report.field_name == "Maire"
    assert report.ok

    doc = pymupdf.open(signed)
    [widget] = doc[-1].widgets()
    assert widget.rect == SIGNATURE_BOXES["maire"]
    doc.close()


def test_one_session_serves_a_whole_run_and_is_closed(token: Token, tmp_path: Path) -> None:
    source = _act(tmp_path / "acte.pdf")
    _sign(source, tmp_path / "1.pdf", token.key)
    [opened] = signing._pkcs11_open.values()
    session = opened.session
    for n in (2, 3):
        _sign(source, tmp_path / f"{n}.pdf", token.key)
    [still] = signing._pkcs11_open.values()
    assert still.session is session, "the session is opened once for the run"
    close_signing_sessions()
    assert not signing._pkcs11_open
    # After closing, the next signature opens a new session and works.
    _sign(source, tmp_path / "4.pdf", token.key)
    assert all(r.ok for r in verify_pdf(tmp_path / "4.pdf"))


def test_the_session_closes_itself_when_the_run_is_over(
    token: Token, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signing, "PKCS11_IDLE_SECONDS", 0.2)
    _sign(_act(tmp_path / "acte.pdf"), tmp_path / "1.pdf", token.key)
    assert signing._pkcs11_open
    deadline = time.monotonic() + 10
    while signing._pkcs11_open and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not signing._pkcs11_open


def test_a_wrong_pin_is_refused_in_french(token: Token, tmp_path: Path) -> None:
    source = _act(tmp_path / "acte.pdf")
    _sign(source, tmp_path / "bon.pdf", token.key)  # a session logged in with the right PIN
    with pytest.raises(SigningError, match="Code PIN incorrect pour le jeton « Mairie »"):
        _sign(source, tmp_path / "mauvais.pdf", replace(token.key, pin="000000"))
    assert not (tmp_path / "mauvais.pdf").exists()
    _sign(source, tmp_path / "encore.pdf", token.key)  # the right PIN still works


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"token_label": "Absent"}, "Jeton « Absent » introuvable : branchez la clé USB"),
        ({"key_label": "inconnue"}, "La clé « inconnue » est absente du jeton « Mairie »"),
        ({"token_label": "Vide"}, r"absente du jeton « Vide » \(clés présentes : aucune\)"),
        ({"cert_label": "absent"}, "Certificat « absent » introuvable sur le jeton « Mairie »"),
        ({"module": Path("/usr/lib/absent/pilote.so")}, "Module PKCS#11 introuvable"),
        ({"module": FONTS_DIR / "DejaVuSerif.ttf"}, "n'est pas un module PKCS#11 utilisable"),
    ],
)
def test_token_problems_are_said_in_french(
    token: Token, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    key = replace(token.key, **change)  # type: ignore[arg-type]
    with pytest.raises(SigningError, match=message):
        _sign(_act(tmp_path / "acte.pdf"), tmp_path / "signe.pdf", key)
    assert not (tmp_path / "signe.pdf").exists()


def test_mayor_and_secretary_with_pkcs12_files_and_with_the_token(
    token: Token, tmp_path: Path
) -> None:
    mayor_p12 = create_self_signed("Saint-Véran", tmp_path / "maire.p12")
    secretary_p12 = create_self_signed("Saint-Véran, secrétariat", tmp_path / "secretaire.p12")
    pems = []
    for p12 in (mayor_p12, secretary_p12):
        _, cert, _ = load_key_and_certificates(p12.read_bytes(), None)
        assert cert is not None
        pem = p12.with_suffix(".pem")
        pem.write_bytes(cert.public_bytes(Encoding.PEM))
        pems.append(pem)
    cases = {
        "fichiers": (RegisterSigners(Pkcs12Key(mayor_p12), Pkcs12Key(secretary_p12)), pems),
        "jeton": (
            RegisterSigners(token.key, Pkcs12Key(secretary_p12)),
            [token.certificate, pems[1]],
        ),
    }
    for name, (keys, trusted) in cases.items():
        signed = tmp_path / f"{name}.pdf"
        sign_register_pdf(
            _act(tmp_path / f"{name}-brouillon.pdf"),
            signed,
            keys,
            reason="Délibération n° 2026-11",
            location="Saint-Véran",
            mayor_name="Hélène Marchand",
            secretary_name="Bernard Rousseau",
            boxes=SIGNATURE_BOXES,
        )
        mayor, secretary = _pdfsig_blocks(signed)
        assert "Signature Field Name: Maire" in mayor
        assert "Signature is Valid" in mayor
        assert "Not total document signed" in mayor
        assert "Signature Field Name: Secretaire" in secretary
        assert "Signature is Valid" in secretary
        assert "Total document signed" in secretary
        assert "Not total document signed" not in secretary

        code, out = _pyhanko(signed, *trusted)
        assert code == 0, out
        assert re.search(r"^Maire:[0-9a-f]+:VALID$", out, re.M), out
        assert re.search(r"^Secretaire:[0-9a-f]+:VALID$", out, re.M), out

        reports = verify_pdf(signed)
        assert [r.field_name for r in reports] == ["Maire", "Secretaire"]
        assert all(r.ok for r in reports), [r.summary for r in reports]

        doc = pymupdf.open(signed)
        rects = {w.field_name: w.rect for w in doc[-1].widgets()}
        doc.close()
        assert rects == {
            "Maire": SIGNATURE_BOXES["maire"],
            "Secretaire": SIGNATURE_BOXES["secretaire"],
        }


def test_mayor_and_secretary_keys_on_one_token_share_its_session(
    token: Token, tmp_path: Path
) -> None:
    """Two keys of the same token: one login serves both (a second C_Login
    would be refused by the token)."""
    secretary = replace(token.key, cert_label="Certificat de la mairie")
    signed = tmp_path / "signe.pdf"
    sign_register_pdf(
        _act(tmp_path / "acte.pdf"),
        signed,
        RegisterSigners(token.key, secretary),
        reason="Délibération n° 2026-11",
        location="Saint-Véran",
        mayor_name="Hélène Marchand",
        secretary_name="Bernard Rousseau",
        boxes=SIGNATURE_BOXES,
    )
    [opened] = signing._pkcs11_open.values()
    assert set(opened.signers) == {token.key, secretary}
    code, out = _pyhanko(signed, token.certificate)
    assert code == 0, out
    assert [r.ok for r in verify_pdf(signed)] == [True, True]


def test_the_certificate_on_the_token_is_read_without_its_pin(token: Token) -> None:
    """``table-app status`` reads who the token's certificate names and when it
    expires without logging in: certificates are public objects."""
    from datetime import UTC, datetime

    from table_app.signing import certificate_facts

    facts = certificate_facts(replace(token.key, pin=None))
    assert facts.subject == "Mairie de Saint-Véran (jeton)"
    assert facts.self_signed
    assert 3 * 365 - 2 <= facts.days_left(datetime.now(UTC)) <= 3 * 365
    labelled = replace(token.key, pin=None, cert_label="Certificat de la mairie")
    assert certificate_facts(labelled) == facts
    with pytest.raises(SigningError, match="Jeton « Absent » absent : branchez la clé USB"):
        certificate_facts(replace(token.key, token_label="Absent"))
    with pytest.raises(SigningError, match="Certificat introuvable sur le jeton « Vide »"):
        certificate_facts(replace(token.key, token_label="Vide"))
