"""The projected state of the council: sessions rebuilt from journal events.

These are plain mutable dataclasses, changed only by ``projection.apply``.
They hold facts as recorded; what follows from them (quorum, who votes) is
computed by ``rules`` at the moment it is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ItemKind(StrEnum):
    DELIBERATION = "deliberation"
    INFORMATION = "information"
    COMPTE_ADMINISTRATIF = "compte_administratif"
    NOMINATION = "nomination"


ITEM_KIND_LABELS = {
    ItemKind.DELIBERATION: "délibération",
    ItemKind.INFORMATION: "information",
    ItemKind.COMPTE_ADMINISTRATIF: "compte administratif",
    ItemKind.NOMINATION: "nomination",
}


class ItemStatus(StrEnum):
    PENDING = "inscrit"
    PROPOSED = "propose"
    PROPOSAL_REFUSED = "proposition_refusee"
    UNDER_DISCUSSION = "en_discussion"
    VOTED = "vote"
    PRESENTED = "presente"
    WITHDRAWN = "retire"
    DEFERRED = "ajourne"
    NOT_EXAMINED = "non_examine"


ITEM_STATUS_LABELS = {
    ItemStatus.PENDING: "à l'ordre du jour",
    ItemStatus.PROPOSED: "proposé, en attente du maire",
    ItemStatus.PROPOSAL_REFUSED: "proposition refusée",
    ItemStatus.UNDER_DISCUSSION: "en discussion",
    ItemStatus.VOTED: "voté",
    ItemStatus.PRESENTED: "présenté",
    ItemStatus.WITHDRAWN: "retiré",
    ItemStatus.DEFERRED: "ajourné",
    ItemStatus.NOT_EXAMINED: "non examiné",
}


class SessionStatus(StrEnum):
    CONVENED = "convoquee"
    OPEN = "ouverte"
    SUSPENDED = "suspendue"
    CLOSED = "close"
    NO_QUORUM = "carence"


SESSION_STATUS_LABELS = {
    SessionStatus.CONVENED: "convoquée",
    SessionStatus.OPEN: "ouverte",
    SessionStatus.SUSPENDED: "suspendue",
    SessionStatus.CLOSED: "close",
    SessionStatus.NO_QUORUM: "close faute de quorum (carence)",
}


class Presence(StrEnum):
    UNKNOWN = "non_appele"
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excuse"
    LEFT = "parti"


@dataclass
class MemberInfo:
    id: str
    name: str
    role: str
    rank: int
    birth_date: str | None = None


@dataclass
class Attendance:
    status: Presence = Presence.UNKNOWN
    movements: list[dict[str, str]] = field(default_factory=list)  # {"at", "kind"}


@dataclass
class Proxy:
    giver: str
    holder: str
    signed_on: str
    illness: bool
    given_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AnswerKind(StrEnum):
    """A member's answer to the convocation, given before the session."""

    PRESENT = "present"
    EXCUSED = "excuse"
    PROXY = "procuration"


ANSWER_LABELS = {
    AnswerKind.PRESENT: "présent",
    AnswerKind.EXCUSED: "absent excusé",
    AnswerKind.PROXY: "procuration",
}

#: Where an answer came from: typed by the secretariat, or a file the member
#: dropped in their folder of the synced cloud (sync/inbox.py).
ANSWER_SOURCES = {"secretariat": "secrétariat", "dossier": "dossier de l'élu"}


@dataclass
class Answer:
    """A member's answer before the session (event ``answer.recorded``).

    A later answer of the same member replaces it (its procuration, if any,
    is revoked); every answer stays in ``Session.answers``, in order."""

    member: str
    answer: AnswerKind
    at: str
    source: str = "secretariat"  # a key of ANSWER_SOURCES
    holder: str | None = None
    signed_on: str | None = None
    illness: bool = False
    #: the file it came from: {"id", "path", "hash"} in the document library
    document: dict[str, Any] | None = None


@dataclass
class TextVersion:
    version: int
    text: str
    at: str
    author: str


@dataclass
class Item:
    id: str
    title: str
    kind: ItemKind
    status: ItemStatus = ItemStatus.PENDING
    rapporteur: str | None = None
    #: on the convocation the members received in time: the convening's own
    #: items, and those added before the opening that a convocation sent in
    #: time carried (set at the opening, ``rules.added_items``)
    from_convocation: bool = True
    #: for an item added to the agenda after the convening (``add_item``, a
    #: proposal accepted): the event that put it there, its moment, and
    #: whether the session was open by then
    added_seq: int | None = None
    added_at: str | None = None
    added_in_session: bool = False
    #: the day of the convocation that carried it, when it was not the first
    #: (an item added, then sent again in time: a complementary convocation)
    convoked_on: str | None = None
    proposed_by: str | None = None
    classification: str | None = None
    texts: list[TextVersion] = field(default_factory=list)
    interested: list[str] = field(default_factory=list)
    president: str | None = None
    ballot_requests: list[dict[str, Any]] = field(default_factory=list)
    open_vote_decided: bool = False
    taken_up_at: str | None = None
    quorum_at_take_up: dict[str, Any] | None = None
    vote: dict[str, Any] | None = None
    rounds: list[dict[str, Any]] = field(default_factory=list)
    number: str | None = None
    debate: str = ""  # the secretary's summary of the debate, for the procès-verbal
    #: files attached to the item, {"id", "path", "hash"} in the document library
    #: (a councillor's proposal dropped in the folder's Propositions/)
    documents: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.texts[-1].text if self.texts else ""

    @property
    def is_voted_kind(self) -> bool:
        return self.kind is not ItemKind.INFORMATION


#: How a convocation reached a member (event ``convocation.sent`` / ``.failed``).
CONVOCATION_CHANNELS = {
    "courriel": "courriel",
    "dossier": "dépôt dans le dossier de l'élu",
    "papier": "papier (remise en main propre ou envoi postal)",
}
#: What a successful sending did, by channel: « envoyé », « déposé », « remis ».
CONVOCATION_DONE = {"courriel": "envoyé", "dossier": "déposé", "papier": "remis"}


@dataclass
class ConvocationSending:
    """One sending of the convocation to one member, as the journal records it.

    ``sent`` is False for a sending that failed (``error`` says why): it never
    counts as a convocation."""

    member: str
    channel: str  # a key of CONVOCATION_CHANNELS
    at: str
    sha256: str  # of the convocation PDF sent
    sent: bool
    address: str | None = None  # the e-mail address, or the file placed
    message_id: str | None = None
    attempts: int = 1
    error: str | None = None
    seq: int = 0


@dataclass
class Session:
    """One séance of the council, as the journal tells it."""

    id: str
    title: str
    date: str
    time: str
    place: str
    convened_on: str
    population: int
    timezone: str
    emergency: bool
    reconvened_of: str | None
    members: dict[str, MemberInfo]
    status: SessionStatus = SessionStatus.CONVENED
    attendance: dict[str, Attendance] = field(default_factory=dict)
    proxies: list[Proxy] = field(default_factory=list)
    president: str | None = None
    secretaries: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    current_item: str | None = None
    opened_at: str | None = None
    closed_at: str | None = None
    opening: dict[str, Any] | None = None
    lack_of_quorum: dict[str, Any] | None = None
    emergency_accepted: bool | None = None
    suspensions: list[dict[str, str | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    projection: dict[str, Any] | None = None  # the document page the mayor shows
    next_item_number: int = 1
    last_seq: int = 0
    last_hash: str = ""  # hash of the session's last event: anchors the exports
    #: the latest moment (``at``) recorded in the session: a new command may not
    #: be dated before it (table_app.council.moments)
    last_at: str | None = None
    #: every sending of the convocation recorded (and every failed one), in order
    convocations: list[ConvocationSending] = field(default_factory=list)
    #: the members' answers before the session, in the order they came
    answers: list[Answer] = field(default_factory=list)

    @property
    def mayor(self) -> str:
        return next(m.id for m in self.members.values() if m.role == "maire")

    @property
    def reconvened(self) -> bool:
        return self.reconvened_of is not None

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def agenda(self) -> list[Item]:
        """The items on the agenda, in order (proposals not yet accepted excluded)."""
        return [
            i
            for i in self.items
            if i.status not in (ItemStatus.PROPOSED, ItemStatus.PROPOSAL_REFUSED)
        ]

    def name(self, member_id: str) -> str:
        member = self.members.get(member_id)
        return member.name if member else member_id

    def present(self) -> set[str]:
        return {m for m, a in self.attendance.items() if a.status is Presence.PRESENT}

    def answer_of(self, member_id: str) -> Answer | None:
        """The member's latest answer before the session, if any."""
        return next((a for a in reversed(self.answers) if a.member == member_id), None)

    def convocation_date(self) -> str:
        """The day the convocation counts from: as the opening checked it (the
        recorded sending, ``rules.notice_check``), else the day typed at the
        convocation."""
        notice = (self.opening or {}).get("notice") or {}
        return str(notice.get("convened_on") or self.convened_on)


@dataclass
class CouncilState:
    """Everything the journal says: every session, and the register's numbering."""

    sessions: dict[str, Session] = field(default_factory=dict)
    last_number: dict[int, int] = field(default_factory=dict)  # year -> last number used
    last_seq: int = 0
