"""Signing council PDFs (minutes, deliberations) and checking their signatures.

The mairie signs with a PAdES baseline B-B signature made by pyHanko from a
PKCS#12 file (``Config.signing_certificate``). A second signature (the
secretary's) is added as an incremental update and leaves the first valid.

When the mairie has no qualified certificate, ``create_self_signed`` makes a
self-signed one. Such a signature proves that the file has not changed since it
was signed; it does not prove who signed it in the sense of the RGS or eIDAS
(see ``SELF_SIGNED_NOTICE``, shown to the users whenever it applies).

``verify_pdf`` checks every signature of a file without any network access and
without revocation checking: each signer's own certificate is taken as its
trust root, so the check is about integrity and coverage, not identity.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

SELF_SIGNED_NOTICE = (
    "Attention : certificat auto-signé, non qualifié : il prouve que le fichier n'a pas "
    "changé, pas l'identité du signataire au sens du RGS / eIDAS."
)

VALIDITY = timedelta(days=3 * 365)


class SigningError(Exception):
    """A signing or verification problem, with a French message for the user."""


@dataclass(frozen=True)
class SignatureReport:
    """What a user needs to know about one signature of a PDF."""

    field_name: str
    signer_name: str
    signing_time: datetime | None
    fingerprint: str  # SHA-256 of the certificate, "AB:CD:…"
    issuer: str
    self_signed: bool
    intact: bool  # the signed bytes have not changed
    valid: bool  # the signature is cryptographically sound
    covers_whole_file: bool
    modified_after: bool  # something other than a signature was added afterwards

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.covers_whole_file and not self.modified_after

    @property
    def summary(self) -> str:
        when = (
            self.signing_time.astimezone(UTC).strftime("le %d/%m/%Y à %H:%M:%S UTC")
            if self.signing_time
            else "à une date non indiquée"
        )
        head = f"Signature « {self.field_name} » de {self.signer_name}, {when}"
        if not self.intact:
            return f"{head} : INVALIDE — le contenu a changé après la signature."
        if not self.valid:
            return f"{head} : INVALIDE — la signature ne correspond pas au certificat."
        if self.modified_after or not self.covers_whole_file:
            return f"{head} : le fichier a été modifié après la signature."
        return f"{head} : valide, fichier inchangé depuis la signature."


def create_self_signed(commune: str, path: Path, password: bytes | None = None) -> Path:
    """Write a self-signed certificate and key for « Mairie de <commune> » as PKCS#12."""
    commune = commune.strip()
    if not commune:
        raise SigningError("Le nom de la commune est vide : impossible de créer le certificat.")
    name = f"Mairie de {commune}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(name.encode("utf-8"), key, cert, None, encryption)
    _write_atomically(path, data)
    return path


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sign_pdf(
    source: Path,
    target: Path,
    pkcs12: Path,
    passphrase: bytes | None,
    *,
    field_name: str,
    reason: str,
    location: str,
    signer_name: str,
) -> None:
    """Sign ``source`` (PAdES B-B, SHA-256) into ``target``, as an incremental update.

    ``target`` is replaced atomically; it may be ``source`` itself. Signing an
    already signed file adds a signature and keeps the earlier ones valid.
    """
    from io import BytesIO

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _load_signer(pkcs12, passphrase)
    try:
        data = source.read_bytes()
    except OSError as error:
        raise SigningError(f"Impossible de lire {source} : {error.strerror}") from error
    try:
        writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
        if writer.prev.encrypted:
            raise SigningError(f"{source} est chiffré : impossible de le signer.")
        existing = {sig.field_name for sig in writer.prev.embedded_signatures}
        if field_name in existing:
            raise SigningError(
                f"{source} porte déjà une signature « {field_name} » : choisissez un autre champ."
            )
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location,
            name=signer_name,
        )
        output = BytesIO()
        signers.sign_pdf(writer, meta, signer=signer, output=output)
    except SigningError:
        raise
    except Exception as error:  # hostile or broken PDFs raise all sorts of errors
        raise SigningError(
            f"{source} n'est pas un PDF lisible, impossible de le signer ({error})."
        ) from error
    _write_atomically(target, output.getvalue())


def _load_signer(pkcs12_path: Path, passphrase: bytes | None) -> Any:
    if not pkcs12_path.is_file():
        raise SigningError(f"Certificat de signature introuvable : {pkcs12_path}")
    info = pkcs12_path.stat()
    return _cached_signer(str(pkcs12_path.resolve()), info.st_mtime_ns, info.st_size, passphrase)


@functools.lru_cache(maxsize=4)
def _cached_signer(path: str, _mtime_ns: int, _size: int, passphrase: bytes | None) -> Any:
    """Opening a PKCS#12 checks its RSA key (about 0.1 s for 3072 bits, several
    times per file in pyHanko): one signing session opens it once. The cache key
    includes the file's time and size, so a replaced certificate is re-read."""
    from pyhanko.sign import signers

    pkcs12_path = Path(path)
    try:
        signer = signers.SimpleSigner.load_pkcs12(pkcs12_path, passphrase=passphrase)
    except Exception as error:
        raise SigningError(
            f"Impossible d'ouvrir le certificat {pkcs12_path} : mot de passe incorrect "
            f"ou fichier PKCS#12 invalide ({error})."
        ) from error
    if signer is None:
        raise SigningError(
            f"Impossible d'ouvrir le certificat {pkcs12_path} : mot de passe incorrect "
            "ou fichier PKCS#12 invalide."
        )
    _keep_key_loaded(signer)
    return signer


def _keep_key_loaded(signer: Any) -> None:
    """pyHanko's SimpleSigner decodes (and re-checks) its private key on every
    signature, 0.1 s for RSA-3072; decode it once and sign with that object for
    the usual mechanisms (RSA PKCS#1 v1.5, ECDSA), pyHanko's code otherwise."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign.general import get_pyca_cryptography_hash

    key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    generic = signer.sign_raw

    def sign_raw(data: bytes, digest_algorithm: str) -> bytes:
        mechanism = signer.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(hash_algo))
        return bytes(generic(data, digest_algorithm))

    signer.sign_raw = sign_raw


def _fingerprint(cert: Any) -> str:
    digest = hashlib.sha256(cert.dump()).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def verify_pdf(path: Path) -> list[SignatureReport]:
    """Check every signature of ``path``, oldest first; [] when it has none.

    Raises ``SigningError`` (French message) for an unreadable or non-PDF file.
    """
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.pdf_embedded import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        data = path.read_bytes()
    except OSError as error:
        raise SigningError(f"Impossible de lire {path} : {error.strerror}") from error
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise SigningError(f"{path} n'est pas un fichier PDF.")
    trailing_junk = False
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as error:  # broken files raise all sorts of errors
        # Bytes appended after the last « %%EOF » hide the cross-reference table:
        # read the file as it was before them and report them as a modification.
        reader, signatures = _read_before_trailing_bytes(data)
        if reader is None:
            raise SigningError(f"{path} est un PDF illisible ou endommagé ({error}).") from error
        trailing_junk = True

    harmless = {
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
        ModificationLevel.FORM_FILLING,
    }
    reports: list[SignatureReport] = []
    last = len(signatures) - 1
    for index, sig in enumerate(signatures):
        try:
            cert = sig.signer_cert
            context = ValidationContext(
                trust_roots=[cert], allow_fetching=False, revocation_mode="soft-fail"
            )
            status = validate_pdf_signature(sig, signer_validation_context=context)
        except (SignatureValidationError, ValueError, KeyError, TypeError) as error:
            raise SigningError(
                f"{path} : la signature « {sig.field_name} » est illisible ({error})."
            ) from error
        coverage = status.coverage
        level = status.modification_level
        if index == last:
            whole = coverage == SignatureCoverageLevel.ENTIRE_FILE
            modified = not whole or (level is not None and level not in harmless)
        else:
            whole = coverage in (
                SignatureCoverageLevel.ENTIRE_FILE,
                SignatureCoverageLevel.ENTIRE_REVISION,
            )
            modified = level is not None and level not in harmless
        subject = cert.subject.native
        reports.append(
            SignatureReport(
                field_name=sig.field_name,
                signer_name=str(subject.get("common_name") or cert.subject.human_friendly),
                signing_time=status.signer_reported_dt,
                fingerprint=_fingerprint(cert),
                issuer=cert.issuer.human_friendly,
                self_signed=cert.self_signed != "no",
                intact=bool(status.intact),
                valid=bool(status.valid),
                covers_whole_file=whole,
                modified_after=modified,
            )
        )
    # Anything appended after the last signature concerns every signature.
    if reports and (trailing_junk or reports[-1].modified_after):
        reports = [_replace_modified(r) for r in reports]
    return reports


def _replace_modified(report: SignatureReport) -> SignatureReport:
    from dataclasses import replace

    return replace(report, modified_after=True)


def _read_before_trailing_bytes(data: bytes) -> tuple[Any, list[Any]]:
    """The file up to one of its last few « %%EOF » markers, if that part reads."""
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    end = len(data.rstrip())
    for _attempt in range(4):
        end = data.rfind(b"%%EOF", 0, end)
        if end < 0:
            break
        try:
            reader = PdfFileReader(BytesIO(data[: end + 5] + b"\n"), strict=False)
            return reader, list(reader.embedded_signatures)
        except Exception:  # not this one: try the marker before
            continue
    return None, []
