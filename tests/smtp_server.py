"""A real SMTP server on loopback (aiosmtpd) for the convocation's e-mails.

``RecordingHandler`` keeps every message it accepts, as received; it can
refuse an address for good (``refuse``: a 5xx reply) or for a while
(``temporary``: replies given first, e.g. a 451, then it accepts).
"""

from __future__ import annotations

import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    encrypted: bool = False  # came over TLS (STARTTLS or implicit)
    login: str | None = None  # who the server authenticated, if anyone

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def pdf(self) -> tuple[str, bytes]:
        """The attached PDF: its file name and bytes."""
        parts = [
            p for p in self.message.iter_attachments() if p.get_content_type() == "application/pdf"
        ]
        assert len(parts) == 1, [p.get_content_type() for p in self.message.iter_attachments()]
        payload = parts[0].get_content()
        assert isinstance(payload, bytes)
        return str(parts[0].get_filename()), payload


@dataclass
class RecordingHandler:
    refuse: dict[str, str] = field(default_factory=dict)
    temporary: dict[str, list[str]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    rcpt_attempts: list[str] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        self.rcpt_attempts.append(address)
        if address in self.refuse:
            return self.refuse[address]
        waiting = self.temporary.get(address)
        if waiting:
            return waiting.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        data = envelope.original_content or envelope.content
        login = session.auth_data if session.authenticated else None
        # session.ssl is set by STARTTLS only; TLS from the first byte shows on the transport.
        encrypted = session.ssl is not None or server.transport.get_extra_info("ssl_object")
        self.received.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                bytes(data),
                encrypted=bool(encrypted),
                login=login,
            )
        )
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return sorted(r for message in self.received for r in message.rcpt_tos)


def free_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


@dataclass(frozen=True)
class Certificates:
    """A certification authority of the test's own and a server certificate it
    signed for 127.0.0.1, as PEM files (``ca`` is what a client trusts)."""

    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificates(folder: Path, authority: str = "Autorité de test") -> Certificates:
    """Fixed validity dates (2000–2099): the certificates do not depend on the
    day the suite runs, faked or not (OpenSSL checks them at the real time)."""
    folder.mkdir(parents=True, exist_ok=True)
    since, until = datetime(2000, 1, 1, tzinfo=UTC), datetime(2099, 1, 1, tzinfo=UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, authority)])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(since)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(since)
        .not_valid_after(until)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = Certificates(folder / "ca.pem", folder / "serveur.pem", folder / "serveur.key")
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


def _authenticator(logins: dict[str, str]) -> Any:
    def authenticate(
        _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            if logins.get(login) == password:
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    return authenticate


@contextmanager
def smtp_server(
    handler: RecordingHandler,
    *,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    logins: dict[str, str] | None = None,
) -> Iterator[int]:
    """Serve ``handler`` on 127.0.0.1; yields the port.

    ``starttls``: the server offers STARTTLS and requires it before anything
    else, as the port 587 of a mail provider does; ``implicit_tls``: TLS from
    the first byte (port 465); ``logins``: the server requires AUTH (only over
    TLS) and accepts these login → password pairs.
    """
    port = free_port()
    options: dict[str, Any] = {}
    if starttls is not None:
        options.update(tls_context=starttls, require_starttls=True)
    if implicit_tls is not None:
        # aiosmtpd counts only STARTTLS as encryption for AUTH: this one is encrypted from the start.
        options.update(ssl_context=implicit_tls, auth_require_tls=False)
    if logins is not None:
        options.update(authenticator=_authenticator(logins), auth_required=True)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
