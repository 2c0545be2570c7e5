"""A device's own key and self-signed certificate, and the fingerprint others pin.

The master and every seat device each make one key pair (ECDSA P-256) the
first time they start and keep it in their data folder (the key readable by
the table's user only). No certificate authority is involved: pairing pins
the other side's certificate fingerprint, and that pin is the trust.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from table_app.atomic_files import atomic_write_bytes

KEY_FILE = "appareil.key.pem"
CERT_FILE = "appareil.cert.pem"
VALIDITY = timedelta(days=20 * 365)


class IdentityError(Exception):
    """A certificate or a signature that cannot be read; the message is French."""


@dataclass(frozen=True)
class Identity:
    """This device: its name, key and certificate (paths for the TLS context)."""

    name: str
    key_path: Path
    cert_path: Path
    cert_pem: bytes
    fingerprint: str

    def private_key(self) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key

    def sign(self, data: bytes) -> bytes:
        return self.private_key().sign(data, ec.ECDSA(hashes.SHA256()))


def fingerprint(cert_pem: bytes) -> str:
    """SHA-256 of the certificate (DER), in hex: what pairing pins."""
    return hashlib.sha256(_load(cert_pem).public_bytes(serialization.Encoding.DER)).hexdigest()


def fingerprint_of_der(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def short_fingerprint(value: str) -> str:
    """For a person to compare on two screens: "3F2A 91C0 7B1D"."""
    upper = value.upper()
    return " ".join(upper[i : i + 4] for i in range(0, 12, 4))


def verify_signature(cert_pem: bytes, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` over ``data`` was made with the key of ``cert_pem``."""
    key = _load(cert_pem).public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def load_or_create_identity(folder: Path, name: str, now: datetime | None = None) -> Identity:
    """This device's identity, made once and kept in ``folder``."""
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    if not (key_path.exists() and cert_path.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name or "Table du conseil")])
        start = (now or datetime.now(UTC)) - timedelta(days=1)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + VALIDITY)
            .sign(key, hashes.SHA256())
        )
        atomic_write_bytes(
            key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            mode=0o600,
        )
        atomic_write_bytes(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    pem = cert_path.read_bytes()
    return Identity(name, key_path, cert_path, pem, fingerprint(pem))


def _load(cert_pem: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(cert_pem)
    except ValueError as error:
        raise IdentityError(f"certificat illisible ({error})") from None


__all__ = [
    "Identity",
    "IdentityError",
    "fingerprint",
    "fingerprint_of_der",
    "load_or_create_identity",
    "short_fingerprint",
    "verify_signature",
]
