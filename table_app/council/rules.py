"""The law's arithmetic (CGCT), as pure functions of a session's state.

Quorum (L2121-17), who votes and with whose procuration (L2121-20), the
majority and the president's casting vote (L2121-20, L2121-21), the
compte administratif (L2121-14, L1612-12), nominations (L2122-7 by
reference), and the notice of convocation (L2121-11, L2121-12).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from table_app.council import moments
from table_app.council.state import (
    CONVOCATION_CHANNELS,
    ConvocationSending,
    Item,
    ItemKind,
    ItemStatus,
    Session,
)
from table_app.french import short_date

#: Below this population the notice is 3 clear days, from it 5 (L2121-11/12).
NOTICE_POPULATION_THRESHOLD = 3500
#: Proxies are valid for at most this many consecutive sessions (except illness).
PROXY_MAX_SESSIONS = 3
#: A reconvened session is held at least this many days after the first (L2121-17).
RECONVENE_MIN_DAYS = 3


@dataclass(frozen=True)
class QuorumCheck:
    present: int
    in_office: int
    required: int
    excluded: tuple[str, ...]  # present but not counted (interest, mayor for the CA)
    reconvened: bool

    @property
    def met(self) -> bool:
        return self.present >= self.required

    @property
    def valid(self) -> bool:
        """Whether the council may deliberate: quorum met, or a reconvened session."""
        return self.met or self.reconvened

    def message(self) -> str:
        return (
            f"Quorum non atteint : {self.present} présent{'s' if self.present > 1 else ''} "
            f"sur {self.in_office} membres en exercice, {self.required} requis"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "present": self.present,
            "in_office": self.in_office,
            "required": self.required,
            "met": self.met,
            "excluded": list(self.excluded),
            "reconvened": self.reconvened,
        }


def quorum_required(in_office: int) -> int:
    """A majority of the members in office: more than half."""
    return in_office // 2 + 1


def quorum(session: Session, item: Item | None = None) -> QuorumCheck:
    """Members physically present, for the session or for one item.

    For an item, members withdrawn for a personal interest are not counted,
    nor the mayor on a compte administratif. Proxies never count.
    A reconvened session may deliberate without quorum, but only on the items
    of the first convocation.
    """
    present = session.present()
    excluded: set[str] = set()
    if item is not None:
        excluded |= present & set(item.interested)
        if item.kind is ItemKind.COMPTE_ADMINISTRATIF and session.mayor in present:
            excluded.add(session.mayor)
    in_office = len(session.members)
    reconvened = session.reconvened and (item is None or item.from_convocation)
    return QuorumCheck(
        present=len(present - excluded),
        in_office=in_office,
        required=quorum_required(in_office),
        excluded=tuple(sorted(excluded)),
        reconvened=reconvened,
    )


@dataclass(frozen=True)
class Electorate:
    """Who may vote on an item at this moment."""

    present: tuple[str, ...]  # present members who may vote
    represented: tuple[tuple[str, str], ...]  # (giver, holder) usable proxies
    set_aside: tuple[tuple[str, str], ...]  # (member, reason) not voting by law

    @property
    def voters(self) -> tuple[str, ...]:
        """Everyone whose vote can be cast: present members, then represented givers."""
        return self.present + tuple(g for g, _ in self.represented)


def electorate(session: Session, item: Item) -> Electorate:
    present = session.present()
    mayor = session.mayor
    is_ca = item.kind is ItemKind.COMPTE_ADMINISTRATIF
    set_aside: list[tuple[str, str]] = []
    voters: list[str] = []
    for member_id in sorted(present, key=lambda m: session.members[m].rank):
        if member_id in item.interested:
            set_aside.append((member_id, "intéressé à l'affaire"))
        elif is_ca and member_id == mayor:
            set_aside.append((member_id, "le maire se retire pour le vote du compte administratif"))
        else:
            voters.append(member_id)
    represented: list[tuple[str, str]] = []
    for proxy in session.proxies:
        if not proxy.active or proxy.giver in present:
            continue
        if proxy.holder not in present:
            continue  # a proxy counts only while its holder is in the room
        if proxy.giver in item.interested:
            set_aside.append((proxy.giver, "intéressé à l'affaire (procuration non utilisable)"))
        elif is_ca and mayor in (proxy.giver, proxy.holder):
            set_aside.append(
                (
                    proxy.giver,
                    "procuration liée au maire, inutilisable pour le compte administratif",
                )
            )
        elif proxy.holder in item.interested:
            set_aside.append(
                (proxy.giver, "procuration détenue par un membre intéressé à l'affaire")
            )
        else:
            represented.append((proxy.giver, proxy.holder))
    represented.sort(key=lambda gh: session.members[gh[0]].rank)
    return Electorate(tuple(voters), tuple(represented), tuple(set_aside))


@dataclass(frozen=True)
class VoteOutcome:
    adopted: bool
    casting_vote: bool  # the president's vote decided a tie
    reason: str


def vote_outcome(
    kind: ItemKind, mode: str, pour: int, contre: int, president_vote: str | None
) -> VoteOutcome:
    """Adopted or rejected, by absolute majority of suffrages exprimés.

    The compte administratif is adopted unless a majority votes against it
    (L1612-12): a tie adopts it. Otherwise a tie is decided by the president's
    vote in a public or ordinary vote, and rejects in a secret ballot.
    """
    if kind is ItemKind.COMPTE_ADMINISTRATIF:
        if contre > pour:
            return VoteOutcome(
                False, False, f"rejeté : majorité contre ({contre} contre, {pour} pour)"
            )
        if pour == contre:
            return VoteOutcome(
                True,
                False,
                f"adopté : pas de majorité contre ({pour} pour, {contre} contre, L1612-12)",
            )
        return VoteOutcome(True, False, f"adopté ({pour} pour, {contre} contre)")
    if pour > contre:
        return VoteOutcome(True, False, f"adopté ({pour} pour, {contre} contre)")
    if pour < contre:
        return VoteOutcome(False, False, f"rejeté ({pour} pour, {contre} contre)")
    if pour == 0:
        return VoteOutcome(False, False, "rejeté : aucun suffrage exprimé")
    if mode == "secret":
        return VoteOutcome(
            False,
            False,
            f"rejeté : égalité des voix ({pour} pour, {contre} contre) au scrutin secret",
        )
    if president_vote == "pour":
        return VoteOutcome(
            True,
            True,
            f"adopté : égalité ({pour} pour, {contre} contre), voix prépondérante du président",
        )
    if president_vote == "contre":
        return VoteOutcome(
            False,
            True,
            f"rejeté : égalité ({pour} pour, {contre} contre), voix prépondérante du président",
        )
    return VoteOutcome(
        False,
        False,
        f"rejeté : égalité ({pour} pour, {contre} contre) sans voix "
        "prépondérante (le président ne s'est pas prononcé)",
    )


def ballot_request_threshold(mode: str, present: int) -> int:
    """A quarter of the members present for a public vote, a third for a secret one."""
    return math.ceil(present / 4) if mode == "public" else math.ceil(present / 3)


@dataclass(frozen=True)
class RoundOutcome:
    elected: str | None
    reason: str


def nomination_round_outcome(
    round_no: int, votes: dict[str, int], birth_dates: dict[str, str | None]
) -> RoundOutcome:
    """Absolute majority in rounds 1 and 2, relative in round 3, oldest on a tie.

    ``votes`` are the suffrages exprimés per candidate (blank and null ballots
    are not counted). Raises ``ValueError`` when a tie needs birth dates that
    are unknown.
    """
    exprimes = sum(votes.values())
    if not votes or exprimes == 0:
        return RoundOutcome(None, "aucun suffrage exprimé")
    best = max(votes.values())
    leaders = sorted(c for c, n in votes.items() if n == best)
    if round_no < 3:
        if best * 2 > exprimes and len(leaders) == 1:
            return RoundOutcome(
                leaders[0],
                f"majorité absolue au {round_no}{'er' if round_no == 1 else 'e'} "
                f"tour ({best} voix sur {exprimes} suffrages exprimés)",
            )
        return RoundOutcome(
            None,
            f"pas de majorité absolue ({best} voix au plus sur {exprimes} "
            f"suffrages exprimés, {exprimes // 2 + 1} requises)",
        )
    if len(leaders) == 1:
        return RoundOutcome(leaders[0], f"majorité relative au 3e tour ({best} voix)")
    missing = [c for c in leaders if not birth_dates.get(c)]
    if missing:
        raise ValueError(missing)
    oldest = min(leaders, key=lambda c: str(birth_dates[c]))
    return RoundOutcome(oldest, f"égalité au 3e tour ({best} voix) : le plus âgé est élu")


@dataclass(frozen=True)
class NoticeCheck:
    convened_on: str
    session_date: str
    clear_days: int
    required: int
    population: int
    emergency: bool
    #: the recorded sending the notice counts from (``recorded_sending``), or
    #: None: the day typed at the convocation (``convened_on``)
    recorded: RecordedSending | None = None

    @property
    def sufficient(self) -> bool:
        return self.clear_days >= self.required

    @property
    def acceptable(self) -> bool:
        """Enough notice, or an emergency of at least one clear day."""
        return self.sufficient or (self.emergency and self.clear_days >= 1)

    def message(self) -> str:
        sent = short_date(self.convened_on)
        held = short_date(self.session_date)
        base = (
            f"Délai de convocation insuffisant : {self.clear_days} jour(s) franc(s) entre "
            f"l'envoi le {sent} et la séance du {held}, {self.required} requis pour une commune "
            f"de {self.population} habitants"
        )
        if self.recorded is not None:
            base += f" ({self.recorded.sentence()})"
        if self.emergency:
            return base + " ; en urgence, le délai ne peut être inférieur à un jour franc"
        return base + " (sauf urgence déclarée dans la convocation, un jour franc au moins)"

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "convened_on": self.convened_on,
            "session_date": self.session_date,
            "clear_days": self.clear_days,
            "required": self.required,
            "population": self.population,
            "emergency": self.emergency,
            "sufficient": self.sufficient,
        }
        if self.recorded is not None:
            data["recorded_sending"] = self.recorded.to_json()
        return data


@dataclass(frozen=True)
class RecordedSending:
    """The sending of the convocation the notice counts from."""

    member: str
    name: str
    at: str
    channel: str
    seq: int
    timezone: str

    def sentence(self) -> str:
        return (
            f"d'après les envois enregistrés au journal : le dernier élu convoqué, "
            f"{self.name}, l'a été le {moments.label(self.at, self.timezone)} "
            f"({CONVOCATION_CHANNELS.get(self.channel, self.channel)})"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "member": self.member,
            "name": self.name,
            "at": self.at,
            "channel": self.channel,
            "seq": self.seq,
        }


def notice_required(population: int) -> int:
    return 3 if population < NOTICE_POPULATION_THRESHOLD else 5


def clear_days(sent: date, held: date) -> int:
    """Jours francs: the day of sending and the day of the session do not count."""
    return max((held - sent).days - 1, 0)


def first_sendings(session: Session) -> dict[str, ConvocationSending]:
    """Each member's first successful sending of the convocation (any channel).
    A failed sending never counts."""
    first: dict[str, ConvocationSending] = {}
    for sending in session.convocations:
        if sending.sent and sending.member not in first:
            first[sending.member] = sending
    return first


def recorded_sending(session: Session) -> ConvocationSending | None:
    """The sending the notice counts from: of each member's first sending, the
    latest (the day the last member was convened). None when no sending is
    recorded: the day typed at the convocation (``convened_on``) serves, as for
    a session entered from paper."""
    first = first_sendings(session)
    if not first:
        return None
    return max(first.values(), key=lambda s: (moments.parse(s.at), s.seq))


def unreached_members(session: Session) -> list[str]:
    """Members with no successful sending recorded, when sendings are recorded
    (a convocation on paper outside the table is not in the journal)."""
    first = first_sendings(session)
    if not first:
        return []
    ranked = sorted(session.members.values(), key=lambda m: m.rank)
    return [m.id for m in ranked if m.id not in first]


def sending_day(moment: str, timezone: str) -> str:
    """The commune's calendar day of a recorded moment (clear days count in days)."""
    return moments.parse(moment).astimezone(ZoneInfo(timezone)).date().isoformat()


@dataclass(frozen=True)
class AddedItem:
    """An item put on the agenda after the convening and before the opening,
    and the convocation that carried it to the members (L2121-10 to L2121-12:
    the council deliberates only on the affairs of the convocation, sent with
    the notice of the commune's size).

    ``sent_on``: the day the last member was sent a convocation carrying it
    (or the day typed at the convening, for a session convened on paper), None
    when some member was never sent one after it was added. ``emergency``: the
    session's notice is shortened by an emergency the council rules on.
    """

    item: str
    title: str
    sent_on: str | None
    clear_days: int
    required: int
    emergency: bool
    #: the members had been sent the convocation before it was added: the one
    #: that carried it is a complementary convocation
    complementary: bool = False
    added_at: str | None = None

    def sentence(self, timezone: str) -> str:
        """For the proof of sending: the convocation that carried it to every
        member, and its own notice."""
        when = f" le {moments.label(self.added_at, timezone)}" if self.added_at else ""
        head = f"Point ajouté à l'ordre du jour{when} : « {self.title} » — "
        if self.sent_on is None:
            return head + "la convocation qui le porte n'a pas été envoyée à tous les élus."
        which = "complémentaire " if self.complementary else ""
        verdict = "délai respecté" if self.acceptable else "délai NON respecté"
        return head + (
            f"convocation {which}du {short_date(self.sent_on)} ; {self.clear_days} jour(s) "
            f"franc(s) avant la séance, {self.required} requis ({verdict})."
        )

    @property
    def convoked(self) -> bool:
        return self.sent_on is not None

    @property
    def acceptable(self) -> bool:
        """Carried in time, or under an emergency of at least one clear day."""
        return self.convoked and (
            self.clear_days >= self.required or (self.emergency and self.clear_days >= 1)
        )

    def late_message(self, session_date: str) -> str:
        assert self.sent_on is not None
        return (
            f"Le point « {self.title} », ajouté à l'ordre du jour après la convocation, a été "
            f"envoyé aux élus le {short_date(self.sent_on)} : {self.clear_days} jour(s) "
            f"franc(s) avant la séance du {short_date(session_date)}, {self.required} requis. "
            "Retirez-le ou ajournez-le avant d'ouvrir la séance"
            + ("" if self.emergency else " (sauf convocation en urgence, un jour franc au moins)")
        )


def added_after_a_sending(session: Session, item: Item) -> bool:
    """Put on the agenda before the opening, after a member had been sent the
    convocation: the convocation that carries it is a complementary one."""
    return (
        item.added_seq is not None
        and not item.added_in_session
        and any(s.sent and s.seq < item.added_seq for s in session.convocations)
    )


def added_items(session: Session, *, all_of_them: bool = False) -> list[AddedItem]:
    """The items still to examine that were put on the agenda after the
    convening, before the opening, each with the convocation that carried it
    (``all_of_them``: whatever became of them, for the proof of sending).

    With sendings recorded, an item is carried to a member by a successful
    sending recorded after it was added (the convocation then lists it); it is
    convoked when every member convened was sent one, from the day the last of
    them was. Without any (a convocation on paper, outside the table), an item
    added by the day typed at the convening is taken as on it.
    """
    first = first_sendings(session)
    required = notice_required(session.population)
    held = date.fromisoformat(session.date)
    # A convocation in emergency shortens the notice of the whole session, on
    # which the council rules at the opening: only then for these items too.
    emergency = session.emergency and not notice_check(session).sufficient
    found = []
    for item in session.agenda():
        if item.added_seq is None or item.added_in_session:
            continue
        if not all_of_them and (item.from_convocation or item.status is not ItemStatus.PENDING):
            continue
        sent_on: str | None = None
        complementary = added_after_a_sending(session, item)
        if first:
            carried: dict[str, ConvocationSending] = {}
            for sending in session.convocations:
                if sending.sent and sending.seq > item.added_seq:
                    carried.setdefault(sending.member, sending)
            if all(member in carried for member in first):
                last = max((carried[m] for m in first), key=lambda s: (moments.parse(s.at), s.seq))
                sent_on = sending_day(last.at, session.timezone)
        elif item.added_at is not None:
            added_on = sending_day(item.added_at, session.timezone)
            if added_on <= session.convened_on:
                sent_on = session.convened_on
        days = clear_days(date.fromisoformat(sent_on), held) if sent_on else 0
        found.append(
            AddedItem(
                item.id,
                item.title,
                sent_on,
                days,
                required,
                emergency,
                complementary,
                item.added_at,
            )
        )
    return found


def notice_check(session: Session) -> NoticeCheck:
    """The notice, from the recorded sending when there is one, else from the
    day typed at the convocation."""
    sending = recorded_sending(session)
    recorded = (
        RecordedSending(
            member=sending.member,
            name=session.name(sending.member),
            at=sending.at,
            channel=sending.channel,
            seq=sending.seq,
            timezone=session.timezone,
        )
        if sending is not None
        else None
    )
    convened_on = (
        sending_day(sending.at, session.timezone) if sending is not None else session.convened_on
    )
    sent = date.fromisoformat(convened_on)
    held = date.fromisoformat(session.date)
    return NoticeCheck(
        convened_on=convened_on,
        session_date=session.date,
        clear_days=clear_days(sent, held),
        required=notice_required(session.population),
        population=session.population,
        emergency=session.emergency,
        recorded=recorded,
    )
