"""A real SMTP server on loopback (aiosmtpd) for the convocation's e-mails.

``RecordingHandler`` keeps every message it accepts, as received; it can
refuse an address for good (``refuse``: a 5xx reply) or for a while
(``temporary``: replies given first, e.g. a 451, then it accepts).
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

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

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        data = envelope.original_content or envelope.content
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(data))
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


@contextmanager
def smtp_server(handler: RecordingHandler) -> Iterator[int]:
    """Serve ``handler`` on 127.0.0.1; yields the port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
