"""The convocation's e-mail through a mail server as the providers run them:
STARTTLS on 587 or TLS from the first byte on 465, a login required, a
certificate checked against the authorities the machine trusts.

Real servers on loopback (aiosmtpd), a certification authority of the test's
own trusted through ``SSL_CERT_FILE`` (what OpenSSL reads for the machine's
authorities): the mailer's code is the one that runs at the mairie.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from table_app.config import SmtpSettings
from table_app.convocation.mail import MailResult, SmtpMailer, convocation_message
from tests.smtp_server import Certificates, RecordingHandler, make_certificates, smtp_server

LOGIN = "mairie@saint-martin.fr"
PASSWORD = "motdepasse-de-la-mairie"


@pytest.fixture
def certificates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Certificates:
    """The server's certificate, signed by an authority this machine trusts."""
    made = make_certificates(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(made.ca))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return made


def _message(settings: SmtpSettings) -> EmailMessage:
    return convocation_message(
        settings,
        commune="Saint-Martin",
        to_name="Bernard Rousseau",
        to_address="bernard.rousseau@example.fr",
        subject="Convocation au conseil municipal du 28 novembre 2026",
        body="Madame, Monsieur,\n\nVous êtes convoqué(e)…",
        pdf=b"%PDF-1.7\n% une convocation\n",
        filename="convocation-2026-11-28.pdf",
        when=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
    )


def _settings(
    port: int, security: str, *, user: str | None = LOGIN, password: str = PASSWORD
) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=port,
        security=security,
        sender="mairie@saint-martin.fr",
        user=user,
        password=password,
        timeout=10.0,
    )


def _send(settings: SmtpSettings) -> tuple[MailResult, list[float]]:
    pauses: list[float] = []
    with SmtpMailer(settings, backoff=0.5, sleep=pauses.append) as mailer:
        return mailer.send(_message(settings)), pauses


def _said_at_once(
    result: MailResult, pauses: list[float], handler: RecordingHandler, *phrases: str
) -> str:
    """Not accepted, nothing delivered, no second attempt (the settings must be
    put right first); the error, which says ``phrases``."""
    assert not result.accepted
    assert result.error is not None
    for phrase in phrases:
        assert phrase in result.error
    assert result.attempts == 1
    assert pauses == []
    assert handler.received == []
    return result.error


def test_starttls_then_login_delivers_the_convocation_encrypted(
    certificates: Certificates,
) -> None:
    handler = RecordingHandler()
    with smtp_server(
        handler, starttls=certificates.server_context(), logins={LOGIN: PASSWORD}
    ) as port:
        result, _ = _send(_settings(port, "starttls"))
    assert result.accepted, result.error
    [received] = handler.received
    assert received.encrypted
    assert received.login == LOGIN
    assert received.rcpt_tos == ["bernard.rousseau@example.fr"]
    assert received.pdf() == ("convocation-2026-11-28.pdf", b"%PDF-1.7\n% une convocation\n")


# aiosmtpd counts only STARTTLS as encryption and warns of AUTH "without TLS": this is TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_tls_from_the_first_byte_delivers_the_convocation(certificates: Certificates) -> None:
    handler = RecordingHandler()
    with smtp_server(
        handler, implicit_tls=certificates.server_context(), logins={LOGIN: PASSWORD}
    ) as port:
        result, _ = _send(_settings(port, "ssl"))
    assert result.accepted, result.error
    [received] = handler.received
    assert received.encrypted
    assert received.login == LOGIN


def test_a_wrong_password_is_said_at_once_and_nothing_is_sent(
    certificates: Certificates, caplog: pytest.LogCaptureFixture
) -> None:
    handler = RecordingHandler()
    with smtp_server(
        handler, starttls=certificates.server_context(), logins={LOGIN: PASSWORD}
    ) as port:
        result, pauses = _send(_settings(port, "starttls", password="ancien-mot-de-passe"))
    error = _said_at_once(
        result, pauses, handler, "identifiant ou mot de passe refusé", "TABLE_APP_SMTP_PASSWORD"
    )
    assert "ancien-mot-de-passe" not in caplog.text + error


def test_a_certificate_nobody_vouches_for_is_refused_before_anything_is_sent(
    tmp_path: Path, certificates: Certificates
) -> None:
    """A server whose certificate the machine's authorities did not sign (an
    impostor on the mairie's network, or a wrong host name): the password is
    never sent to it."""
    impostor = make_certificates(tmp_path / "autre", authority="Autorité inconnue")
    handler = RecordingHandler()
    with smtp_server(handler, starttls=impostor.server_context(), logins={LOGIN: PASSWORD}) as port:
        result, pauses = _send(_settings(port, "starttls"))
    _said_at_once(result, pauses, handler, "certificat du serveur de courriel", "n'est pas reconnu")


def test_starttls_asked_of_a_server_that_does_not_offer_it_is_said(
    certificates: Certificates,
) -> None:
    handler = RecordingHandler()
    with smtp_server(handler) as port:  # a plain server, as on port 25
        result, pauses = _send(_settings(port, "starttls"))
    _said_at_once(
        result, pauses, handler, "ne propose pas le chiffrement STARTTLS", "[smtp] security"
    )


def test_tls_from_the_first_byte_on_a_starttls_port_is_said(certificates: Certificates) -> None:
    """``security = "ssl"`` with the port of STARTTLS (587): the handshake fails."""
    handler = RecordingHandler()
    with smtp_server(
        handler, starttls=certificates.server_context(), logins={LOGIN: PASSWORD}
    ) as port:
        result, pauses = _send(_settings(port, "ssl"))
    _said_at_once(
        result,
        pauses,
        handler,
        "la connexion chiffrée au serveur de courriel",
        "vérifiez [smtp] security et port",
    )


def test_a_server_that_wants_a_login_none_configured_refuses_the_message(
    certificates: Certificates,
) -> None:
    """No ``user`` in ``[smtp]`` where the provider requires one: its refusal
    (530, authentication required) is reported as the server said it."""
    handler = RecordingHandler()
    with smtp_server(
        handler, starttls=certificates.server_context(), logins={LOGIN: PASSWORD}
    ) as port:
        result, pauses = _send(_settings(port, "starttls", user=None))
    _said_at_once(result, pauses, handler, "message refusé par le serveur de courriel (530")


def test_a_login_without_encryption_where_the_server_allows_it_only_encrypted_is_said() -> None:
    """``security = "aucune"`` with a ``user``: the server offers AUTH only once
    the connection is encrypted, so the password is never sent in clear."""
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        result, pauses = _send(_settings(port, "aucune"))
    _said_at_once(result, pauses, handler, "ne propose pas l'identification", "[smtp] security")
