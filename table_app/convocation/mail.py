"""The convocation by e-mail: the message, and its delivery through the mairie's
SMTP server (``[smtp]``), with the standard library's ``smtplib``.

A message counts as sent only when the server has accepted it for its
recipient. A temporary failure (the server unreachable, a 4xx answer, the
connection cut) is retried a few times with a growing pause; a permanent one
(a 5xx answer: the address refused, the password refused; a server whose
certificate the machine's authorities did not sign, a handshake that fails,
STARTTLS or AUTH not offered: ``[smtp]`` to be put right) is not, and is
reported at once. Either way the failure says why, in French. The password is
sent only over a connection encrypted and checked, unless ``security`` is
``aucune``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from types import TracebackType

from table_app.config import SmtpSettings

log = logging.getLogger("table_app.convocation")

#: Attempts per message, and the pause before the second one (doubled each time).
ATTEMPTS = 3
BACKOFF_SECONDS = 2.0


@dataclass(frozen=True)
class MailResult:
    """What became of one message: accepted (``error`` None) or not, after how
    many attempts."""

    message_id: str
    attempts: int
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None


def convocation_message(
    settings: SmtpSettings,
    *,
    commune: str,
    to_name: str,
    to_address: str,
    subject: str,
    body: str,
    pdf: bytes,
    filename: str,
    when: datetime,
) -> EmailMessage:
    """The e-mail of one member: French text, the signed PDF attached, a
    Message-ID of the mairie's domain (the proof of sending quotes it)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr((f"Mairie de {commune}", settings.sender))
    message["To"] = formataddr((to_name, to_address))
    message["Date"] = format_datetime(when)
    message["Message-ID"] = make_msgid(
        idstring="convocation", domain=settings.sender.rsplit("@", 1)[-1]
    )
    message.set_content(body)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    # Headers on one line (RFC 5322 allows 998 characters): Python folds a French
    # subject before an encoded word with a space too many ("2026  à 20 h 00").
    # The body and the PDF are already encoded in lines of 76.
    message.policy = message.policy.clone(max_line_length=998)
    return message


def _not_offered(missing: smtplib.SMTPNotSupportedError, where: str) -> str:
    """What the server lacks, said for the person who fills in ``[smtp]``."""
    said = str(missing)
    if "STARTTLS" in said:
        return (
            f"le serveur de courriel {where} ne propose pas le chiffrement STARTTLS : "
            "vérifiez [smtp] security et port (starttls : 587, ssl : 465)"
        )
    if "AUTH" in said:
        return (
            f"le serveur de courriel {where} ne propose pas l'identification (AUTH ; "
            "certains ne la proposent qu'une fois la connexion chiffrée) : vérifiez "
            "[smtp] security et user"
        )
    return f"le serveur de courriel {where} refuse une commande ({said})"


def _code_text(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(said.split())}".strip()


class SmtpMailer:
    """One connection to the mail server for a run of messages, reopened when
    it drops.

    ``send`` never raises for a delivery problem: it returns a ``MailResult``
    whose ``error`` says, in French, why the message was not accepted.
    ``sleep`` is the pause between attempts (tests pass a recording one).
    """

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._sleep = sleep
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def send(self, message: EmailMessage) -> MailResult:
        """Deliver ``message`` to its one recipient, retrying temporary failures."""
        message_id = str(message["Message-ID"])
        recipient = str(message["To"])
        where = f"{self.settings.host}:{self.settings.port}"
        error = ""
        for attempt in range(1, self.attempts + 1):
            permanent = False
            try:
                self._connect().send_message(message)
            except smtplib.SMTPRecipientsRefused as refused:
                code, text = next(iter(refused.recipients.values()), (0, b""))
                error = f"adresse refusée par le serveur de courriel ({_code_text(code, text)})"
                permanent = 500 <= code < 600
                if not permanent:  # smtplib closes the connection on a 421: start afresh
                    self._drop()
            except smtplib.SMTPAuthenticationError as refused:
                error = (
                    "identifiant ou mot de passe refusé par le serveur de courriel "
                    f"({_code_text(refused.smtp_code, refused.smtp_error)}) : vérifiez [smtp] "
                    "user et TABLE_APP_SMTP_PASSWORD"
                )
                permanent = True
                self._drop()
            except smtplib.SMTPResponseException as refused:
                error = (
                    "message refusé par le serveur de courriel "
                    f"({_code_text(refused.smtp_code, refused.smtp_error)})"
                )
                permanent = 500 <= refused.smtp_code < 600
                self._drop()
            except smtplib.SMTPNotSupportedError as missing:
                error = _not_offered(missing, where)
                permanent = True  # the server's settings, not a passing trouble
                self._drop()
            except ssl.SSLCertVerificationError as untrusted:
                error = (
                    f"le certificat du serveur de courriel {where} n'est pas reconnu "
                    f"({untrusted.verify_message or untrusted.reason}) : vérifiez [smtp] host, "
                    "le nom exact du serveur indiqué par le fournisseur"
                )
                permanent = True
                self._drop()
            except ssl.SSLError as broken:
                error = (
                    f"la connexion chiffrée au serveur de courriel {where} a échoué "
                    f"({broken.reason or broken}) : vérifiez [smtp] security et port "
                    "(starttls : 587, ssl : 465)"
                )
                permanent = True
                self._drop()
            except (smtplib.SMTPException, OSError) as failure:
                reason = (
                    getattr(failure, "strerror", None) or str(failure) or type(failure).__name__
                )
                error = f"serveur de courriel injoignable ou coupé ({where} : {reason})"
                self._drop()
            else:
                log.info("Convocation acceptée par %s pour %s (%s)", where, recipient, message_id)
                return MailResult(message_id, attempt)
            log.warning(
                "Convocation pour %s, tentative %d/%d : %s",
                recipient,
                attempt,
                self.attempts,
                error,
            )
            if permanent:
                return MailResult(message_id, attempt, error)
            if attempt < self.attempts:
                self._sleep(self.backoff * 2 ** (attempt - 1))
        return MailResult(message_id, self.attempts, error)


__all__ = ["ATTEMPTS", "BACKOFF_SECONDS", "MailResult", "SmtpMailer", "convocation_message"]
