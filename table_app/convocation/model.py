"""What a convocation is made of, and what sending it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from table_app.council.state import CONVOCATION_CHANNELS, CONVOCATION_DONE


class ConvocationError(Exception):
    """The convocation cannot be sent; ``message`` says why, in French, and
    that nothing was sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SessionDocument:
    """A file of the session's folder (``Séances/<date>/``), as the convocation
    lists it: which file, for which point, and its SHA-256, so that a member
    can tell the version they were sent."""

    path: str  # relative to the document folder, with "/" separators
    size: int
    sha256: str
    pages: int | None = None  # known once the table has ingested the file
    item_position: int | None = None  # the point's folder (« 03 - Budget »)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Delivery:
    """One sending of a run, to one member by one channel.

    ``sent`` is True only when the server took the message (or the file was
    written); ``skipped`` when an earlier run already did it with the same PDF.
    """

    member: str
    name: str
    channel: str
    sent: bool
    address: str | None = None
    at: str | None = None
    message_id: str | None = None
    attempts: int = 0
    error: str | None = None
    skipped: bool = False
    recorded: bool = True  # False: done, but the journal refused to record it

    @property
    def outcome(self) -> str:
        """In French, for the screen and the terminal."""
        how = CONVOCATION_CHANNELS.get(self.channel, self.channel)
        if self.skipped:
            return f"{how} : déjà fait lors d'un envoi précédent (même convocation)"
        if not self.sent:
            tries = f" après {self.attempts} tentative(s)" if self.attempts > 1 else ""
            return f"{how} : ÉCHEC{tries} — {self.error} ; NON convoqué(e) par ce moyen"
        where = f" ({self.address})" if self.address else ""
        if not self.recorded:
            return f"{how}{where} : fait, mais NON ENREGISTRÉ au journal — {self.error}"
        tries = f", {self.attempts} tentatives" if self.attempts > 1 else ""
        done = CONVOCATION_DONE.get(self.channel, "envoyé")
        return f"{how}{where} : {done}{tries}"


@dataclass
class ConvocationReport:
    """What a run of ``send_convocation`` did."""

    session_id: str
    pdf: Path
    sha256: str
    signed: bool  # the PDF was made and signed in this run (else: the same as before)
    deliveries: list[Delivery] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.sent or not d.recorded]

    def lines(self) -> list[str]:
        """One line per member and channel, in French."""
        return [f"{d.name} — {d.outcome}" for d in self.deliveries]
