"""Participation statistics: who came, who was represented, who voted, from the journal.

Everything here is read from the journal's events, never from today's
configuration nor from the projected state: a member who has left the council
keeps their history (each session's members are frozen in its convocation
event), and a session reads the same whatever happened since.

What is counted (the same words are printed under ``table-app stats`` and in
the JSON's ``definitions``):

* A session counts once it was **held**: opened, or its lack of quorum
  recorded (a carence). A session convened but not yet held counts nowhere.
* Each member in office at a held session is in exactly one of four classes:
  **présent** (physically there at any moment of the session, even if they
  left early), **représenté** (never there, and gave a procuration that was
  still standing at the end, or whose voice a colleague cast in a vote),
  **absent excusé** (never there, not represented, excused at the roll call
  or by an answer before the session, ``answer.recorded``, that a later one
  did not withdraw) or **absent non excusé** (every other case, a member
  never called included). So présent + représenté + excusé + non excusé =
  séances. A procuration answered before the session counts as one given at
  the roll call.
* **En retard**: present, and first arrived after the opening (strictly
  later than the ``at`` of ``session.opened``). A carence has no opening, so
  no late arrival.
* A **scrutin** is one vote (``vote.recorded``) or one round of a nomination
  (``nomination_round.recorded``): a nomination in two rounds is two scrutins.
  A member **votes in person** in a scrutin when they are among the present
  voters (not withdrawn for a personal interest, not the mayor on a compte
  administratif, not "ne prenant pas part au vote"); they **vote by
  procuration** when a colleague cast their voice for them. Holding a
  colleague's procuration is counted apart (``votes_as_holder``), never as a
  second vote of the holder's own. ``scrutins`` is the number of scrutins of
  the sessions the member was in office for: the possible votes.
* A session's **quorum margin** is the number of members present at the
  opening minus the quorum required, both as the opening event recorded them
  (for a carence, as the record of the lack of quorum did: negative).
* **Délibérations**: the items that received a register number (a vote, or a
  nomination's deciding round).

Reading 600,000 events takes seconds, so each session's summary is kept in a
``SummaryCache`` (a JSON file in the data folder) with the journal position it
was computed up to: the sequence number and hash of the journal's last event.
As each event's hash covers the one before it, finding that same hash at that
same number proves the journal has not gone another way since (a restored
backup, a rewritten journal): only the sessions that received events after it
are summarised again. Anything else (the event gone, another hash, another
database, another format) rebuilds every summary from the events. The cache
trusts the stored hashes; ``table-app journal verify`` is what checks them.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import textwrap
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, select

from table_app.council import moments
from table_app.council.events import EventType
from table_app.french import short_date
from table_app.journal import Journal
from table_app.store.models import EventRecord

log = logging.getLogger("table_app.stats")

_events: Table = EventRecord.__table__  # type: ignore[assignment]

#: The only event types a summary reads (the others are filtered out by SQLite).
STATS_EVENT_TYPES = (
    EventType.SESSION_CONVENED,
    EventType.MEMBER_ARRIVED,
    EventType.MEMBER_LEFT,
    EventType.MEMBER_MARKED_ABSENT,
    EventType.PROXY_GIVEN,
    EventType.PROXY_REVOKED,
    EventType.ANSWER_RECORDED,
    EventType.SESSION_OPENED,
    EventType.SESSION_LACKED_QUORUM,
    EventType.INTEREST_DECLARED,
    EventType.VOTE_RECORDED,
    EventType.NOMINATION_ROUND_RECORDED,
    EventType.SESSION_CLOSED,
)

#: The cache file, in the data folder.
CACHE_FILE = "statistiques-cache.json"
#: Bumped whenever a summary's content or meaning changes: older caches are rebuilt.
CACHE_FORMAT = 1

PRESENT = "present"
REPRESENTED = "represente"
EXCUSED = "excuse"
UNEXCUSED = "absent"

ATTENDANCE_LABELS = {
    PRESENT: "présent",
    REPRESENTED: "représenté",
    EXCUSED: "absent excusé",
    UNEXCUSED: "absent non excusé",
}

#: What every figure means, in French, for the JSON and the text output.
DEFINITIONS = {
    "seances": "séances tenues (ouvertes, ou carence constatée) pendant le mandat de l'élu",
    "present": "présent à un moment de la séance, même parti avant la fin",
    "represente": "absent toute la séance, représenté par une procuration donnée à un collègue",
    "excuse": "absent toute la séance, excusé à l'appel, sans procuration",
    "non_excuse": "absent toute la séance, ni excusé ni représenté (non appelé compris)",
    "retards": "arrivé pour la première fois après l'ouverture de la séance",
    "votes_en_personne": "scrutins (votes et tours de nomination) où l'élu a voté lui-même",
    "votes_par_procuration": "scrutins où un collègue a voté pour l'élu, avec sa procuration",
    "voix_portees": "scrutins où l'élu a voté en plus pour un collègue dont il détenait la procuration",
    "scrutins": "scrutins des séances tenues pendant le mandat de l'élu (votes possibles)",
    "marge_quorum": "présents à l'ouverture moins le quorum requis, tels que le journal les a enregistrés",
    "deliberations": "points ayant reçu un numéro du registre",
}


# --- one session ---------------------------------------------------------------


@dataclass(frozen=True)
class MemberSession:
    """One member at one session, as the journal tells it."""

    id: str
    name: str
    role: str
    rank: int
    attendance: str  # PRESENT, REPRESENTED, EXCUSED or UNEXCUSED
    late: bool = False
    votes_in_person: int = 0
    votes_by_proxy: int = 0
    votes_as_holder: int = 0

    def to_row(self) -> list[Any]:
        return [
            self.id,
            self.name,
            self.role,
            self.rank,
            self.attendance,
            self.late,
            self.votes_in_person,
            self.votes_by_proxy,
            self.votes_as_holder,
        ]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> MemberSession:
        return cls(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            int(row[3]),
            str(row[4]),
            bool(row[5]),
            int(row[6]),
            int(row[7]),
            int(row[8]),
        )


@dataclass(frozen=True)
class SessionSummary:
    """What the statistics need of one session (cached between runs).

    Attributes:
        held: opened, or its lack of quorum recorded.
        state: "convoquee", "ouverte", "close" or "carence".
        opening_present, quorum_required: from the opening event's payload (or
            the carence's); None while the session is not held.
        deliberations: items given a register number; scrutins: votes and
            nomination rounds.
        members: the members in office at its convocation, in the tableau's order.
    """

    id: str
    date: str
    title: str
    commune: str
    state: str
    reconvened: bool
    opened_at: str | None
    opening_present: int | None
    quorum_required: int | None
    deliberations: int
    scrutins: int
    members: tuple[MemberSession, ...]

    @property
    def held(self) -> bool:
        return self.state != "convoquee"

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def in_office(self) -> int:
        return len(self.members)

    @property
    def quorum_margin(self) -> int | None:
        if self.opening_present is None or self.quorum_required is None:
            return None
        return self.opening_present - self.quorum_required

    def count(self, attendance: str) -> int:
        return sum(1 for m in self.members if m.attendance == attendance)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date,
            "title": self.title,
            "commune": self.commune,
            "state": self.state,
            "reconvened": self.reconvened,
            "opened_at": self.opened_at,
            "opening_present": self.opening_present,
            "quorum_required": self.quorum_required,
            "deliberations": self.deliberations,
            "scrutins": self.scrutins,
            "members": [m.to_row() for m in self.members],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SessionSummary:
        return cls(
            id=str(raw["id"]),
            date=str(raw["date"]),
            title=str(raw["title"]),
            commune=str(raw["commune"]),
            state=str(raw["state"]),
            reconvened=bool(raw["reconvened"]),
            opened_at=raw["opened_at"],
            opening_present=raw["opening_present"],
            quorum_required=raw["quorum_required"],
            deliberations=int(raw["deliberations"]),
            scrutins=int(raw["scrutins"]),
            members=tuple(MemberSession.from_row(r) for r in raw["members"]),
        )


@dataclass
class _Tally:
    """A member's facts while a session's events are read."""

    name: str
    role: str
    rank: int
    present_now: bool = False
    ever_present: bool = False
    first_arrival: str | None = None
    excused: bool | None = None  # the last mark at the roll call, if any
    proxy_standing: bool = False  # gave a procuration not revoked since
    in_person: int = 0
    by_proxy: int = 0
    as_holder: int = 0


def summarize_session(events: Iterable[tuple[str, dict[str, Any]]]) -> SessionSummary:
    """Fold one session's events, in journal order, into its summary.

    ``events`` are ``(type, payload)`` pairs; types outside ``STATS_EVENT_TYPES``
    are ignored. The first must be the convocation.
    """
    stream = iter(events)
    kind, convened = next(stream)
    if kind != EventType.SESSION_CONVENED:
        raise ValueError(f"a session's first event is its convocation, not {kind}")
    tallies = {
        str(m["id"]): _Tally(str(m["name"]), str(m["role"]), int(m["rank"]))
        for m in convened["members"]
    }
    state = "convoquee"
    opened_at: str | None = None
    opening_present: int | None = None
    quorum_required: int | None = None
    deliberations = scrutins = 0
    interested: dict[str, set[str]] = {}

    def count_scrutin(present_voters: Iterable[str], represented: Iterable[Any]) -> None:
        for member in present_voters:
            if member in tallies:
                tallies[member].in_person += 1
        for giver, holder in represented:
            if giver in tallies:
                tallies[giver].by_proxy += 1
            if holder in tallies:
                tallies[holder].as_holder += 1

    for kind, p in stream:
        if kind == EventType.MEMBER_ARRIVED:
            t = tallies[p["member"]]
            t.present_now = t.ever_present = True
            if t.first_arrival is None:
                t.first_arrival = p["at"]
        elif kind == EventType.MEMBER_LEFT:
            tallies[p["member"]].present_now = False
        elif kind == EventType.MEMBER_MARKED_ABSENT:
            tallies[p["member"]].excused = bool(p["excused"])
        elif kind == EventType.PROXY_GIVEN:
            tallies[p["giver"]].proxy_standing = True
        elif kind == EventType.PROXY_REVOKED:
            tallies[p["giver"]].proxy_standing = False
        elif kind == EventType.ANSWER_RECORDED:  # before the session; replaces an earlier answer
            t = tallies[p["member"]]
            t.proxy_standing = p["answer"] == "procuration"
            if p["answer"] == "excuse":
                t.excused = True
            elif t.excused:  # an excuse withdrawn
                t.excused = None
        elif kind in (EventType.SESSION_OPENED, EventType.SESSION_LACKED_QUORUM):
            state = "ouverte" if kind == EventType.SESSION_OPENED else "carence"
            opened_at = p["at"] if kind == EventType.SESSION_OPENED else None
            opening_present = int(p["quorum"]["present"])
            quorum_required = int(p["quorum"]["required"])
        elif kind == EventType.INTEREST_DECLARED:
            interested.setdefault(p["item"], set()).add(p["member"])
        elif kind == EventType.VOTE_RECORDED:
            vote = p["vote"]
            scrutins += 1
            deliberations += 1
            voters = vote.get("present_voters")
            if voters is None:  # not recorded: those present, less the interested, the abstaining
                voters = _present_voters(tallies, interested.get(p["item"], set()), vote)
            count_scrutin(voters, vote["represented"])
        elif kind == EventType.NOMINATION_ROUND_RECORDED:
            round_ = p["round"]
            scrutins += 1
            if "number" in p:
                deliberations += 1
            count_scrutin(
                _present_voters(tallies, interested.get(p["item"], set()), round_),
                round_["represented"],
            )
        elif kind == EventType.SESSION_CLOSED:
            state = "close"
    members = []
    for member_id, t in sorted(tallies.items(), key=lambda kv: kv[1].rank):
        if t.ever_present:
            attendance = PRESENT
        elif t.proxy_standing or t.by_proxy:
            attendance = REPRESENTED
        elif t.excused:
            attendance = EXCUSED
        else:
            attendance = UNEXCUSED
        late = (
            opened_at is not None
            and t.first_arrival is not None
            and moments.earlier(opened_at, t.first_arrival)
        )
        members.append(
            MemberSession(
                member_id,
                t.name,
                t.role,
                t.rank,
                attendance,
                late,
                t.in_person,
                t.by_proxy,
                t.as_holder,
            )
        )
    return SessionSummary(
        id=str(convened["session_id"]),
        date=str(convened["date"]),
        title=str(convened["title"]),
        commune=str(convened.get("commune", "")),
        state=state,
        reconvened=convened.get("reconvened_of") is not None,
        opened_at=opened_at,
        opening_present=opening_present,
        quorum_required=quorum_required,
        deliberations=deliberations,
        scrutins=scrutins,
        members=tuple(members),
    )


def _present_voters(
    tallies: dict[str, _Tally], interested: set[str], scrutin: dict[str, Any]
) -> list[str]:
    """Who voted in person when the event does not list them (a nomination round):
    the members present at that moment, less those withdrawn for an interest and
    those not taking part. A nomination is never a compte administratif, so the
    mayor votes."""
    not_taking = set(scrutin.get("not_taking_part", []))
    return [m for m, t in tallies.items() if t.present_now and m not in interested | not_taking]


# --- reading the journal -------------------------------------------------------


def _rows(
    conn: Connection, session_id: str | None = None, after: int = 0
) -> Iterator[tuple[str, str, str]]:
    """``(session_id, type, payload JSON)`` of the statistics' events, in order:
    every one, one session's (read through its index), or those after ``after``."""
    query = (
        select(_events.c.session_id, _events.c.type, _events.c.payload)
        .where(_events.c.type.in_(STATS_EVENT_TYPES))
        .order_by(_events.c.seq)
    )
    if session_id is not None:
        query = query.where(_events.c.session_id == session_id)
    if after:
        query = query.where(_events.c.seq > after)
    for row in conn.execute(query):
        yield row[0], row[1], row[2]


def _summarize_rows(rows: Iterable[tuple[str, str, str]]) -> dict[str, SessionSummary]:
    by_session: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for session_id, kind, payload in rows:
        by_session.setdefault(session_id, []).append((kind, json.loads(payload)))
    return {sid: summarize_session(events) for sid, events in by_session.items()}


def _head(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute(
        select(_events.c.seq, _events.c.hash).order_by(_events.c.seq.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def _hash_at(conn: Connection, seq: int) -> str | None:
    value = conn.execute(select(_events.c.hash).where(_events.c.seq == seq)).scalar()
    return str(value) if value is not None else None


@dataclass
class Refresh:
    """What the last ``SummaryCache.summaries`` call had to do (for the benchmark and tests).

    ``kind``: "à jour" (nothing new), "incrémental" (only ``recomputed``
    sessions read again) or "complet" (every summary rebuilt from the events).
    """

    kind: str = ""
    recomputed: list[str] = field(default_factory=list)
    loaded_from_file: bool = False


class SummaryCache:
    """Each session's summary, kept with the journal position it was computed up to.

    With a ``path`` (``<data folder>/statistiques-cache.json``) the summaries
    survive the process: ``table-app stats`` run again reads only what is new.
    Without one, they live as long as the object (the master screen's view
    keeps one). Thread-safe: one refresh at a time.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.last = Refresh()
        self._url: str | None = None
        self._position: tuple[int, str] | None = None
        self._summaries: dict[str, SessionSummary] = {}
        self._lock = threading.Lock()
        self._file_read = False

    def summaries(self, journal: Journal) -> list[SessionSummary]:
        """Every session's summary, brought up to the journal's last event."""
        with self._lock:
            db = journal.db
            if self._url != db.url:
                self._position, self._summaries, self._url = None, {}, db.url
            if not self._file_read:
                self._file_read = True
                self._read_file(db.url)
            with db.engine.connect() as conn, conn.begin():  # one snapshot for every read
                self.last = Refresh(loaded_from_file=self.last.loaded_from_file)
                head = _head(conn)
                if head == self._position:
                    self.last.kind = "à jour"
                    return self._sorted()
                position = self._position
                if (
                    head is not None
                    and position is not None
                    and position[0] <= head[0]
                    and _hash_at(conn, position[0]) == position[1]
                ):
                    # Only the events a summary reads, after the known position. A
                    # session convened since then is all there; one that was already
                    # known is read again whole (its summary is a fold from the
                    # convocation). Sessions that got other events are unchanged.
                    new: dict[str, list[tuple[str, str, str]]] = {}
                    for row in _rows(conn, after=position[0]):
                        new.setdefault(row[0], []).append(row)
                    for session_id, rows in new.items():
                        if rows[0][1] != EventType.SESSION_CONVENED:
                            rows = list(_rows(conn, session_id))
                        self._summaries.update(_summarize_rows(rows))
                        self.last.recomputed.append(session_id)
                    self.last.kind = "incrémental"
                else:
                    self._summaries = _summarize_rows(_rows(conn))
                    self.last.kind = "complet"
                    self.last.recomputed = list(self._summaries)
                self._position = head
            self._write_file()
            return self._sorted()

    def _sorted(self) -> list[SessionSummary]:
        return sorted(self._summaries.values(), key=lambda s: (s.date, s.id))

    def _read_file(self, url: str) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("format") != CACHE_FORMAT or raw.get("database") != url:
                return
            position = (int(raw["journal"]["seq"]), str(raw["journal"]["hash"]))
            summaries = {s["id"]: SessionSummary.from_json(s) for s in raw["sessions"]}
        except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
            log.info("Cache des statistiques illisible (%s) : il est refait", error)
            return
        self._position, self._summaries = position, summaries
        self.last.loaded_from_file = True

    def _write_file(self) -> None:
        if self.path is None or self._position is None:
            return
        data = {
            "format": CACHE_FORMAT,
            "database": self._url,
            "journal": {"seq": self._position[0], "hash": self._position[1]},
            "sessions": [s.to_json() for s in self._sorted()],
        }
        # A cache is not worth an fsync: a file lost or torn by a power cut is
        # unreadable or points at a journal position that is not there, and is
        # rebuilt. The rename still keeps a reader from seeing half a file.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
            tmp.write_text(
                json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
            )
            os.replace(tmp, self.path)
        except OSError as error:  # a cache: the statistics are right without it
            log.warning("Cache des statistiques non écrit dans %s : %s", self.path, error)


# --- the statistics of a period --------------------------------------------------


@dataclass(frozen=True)
class MemberStats:
    """One member over the held sessions of a period.

    ``in_office_now``: in office at the journal's latest convocation (False: the
    member has left the council; their history stays).
    """

    id: str
    name: str
    role: str
    rank: int
    in_office_now: bool
    sessions: int
    present: int
    represented: int
    excused: int
    unexcused: int
    late: int
    votes_in_person: int
    votes_by_proxy: int
    votes_as_holder: int
    scrutins: int

    @property
    def presence_rate(self) -> float:
        """Sessions attended in person, out of the sessions held while in office."""
        return self.present / self.sessions if self.sessions else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "in_office_now": self.in_office_now,
            "sessions": self.sessions,
            "present": self.present,
            "represented": self.represented,
            "excused": self.excused,
            "unexcused": self.unexcused,
            "late": self.late,
            "votes_in_person": self.votes_in_person,
            "votes_by_proxy": self.votes_by_proxy,
            "votes_as_holder": self.votes_as_holder,
            "scrutins": self.scrutins,
            "presence_rate": round(self.presence_rate, 4),
        }


@dataclass(frozen=True)
class Statistics:
    """The statistics of one year (or of every year: ``year`` None).

    Attributes:
        years: every year with a held session, for choosing another.
        sessions: the held sessions of the period, oldest first.
        members: everyone in office at one of them, in the order of the
            tableau of the latest one; former members after, by name.
    """

    year: int | None
    years: tuple[int, ...]
    commune: str
    sessions: tuple[SessionSummary, ...]
    members: tuple[MemberStats, ...]

    @property
    def deliberations(self) -> int:
        return sum(s.deliberations for s in self.sessions)

    @property
    def period(self) -> str:
        return str(self.year) if self.year is not None else "toutes les années"


def aggregate(summaries: Sequence[SessionSummary], year: int | None = None) -> Statistics:
    """The statistics of ``year`` (None: every year) from the sessions' summaries."""
    ordered = sorted(summaries, key=lambda s: (s.date, s.id))
    held = [s for s in ordered if s.held]
    chosen = [s for s in held if year is None or s.year == year]
    current = {m.id for m in ordered[-1].members} if ordered else set()
    totals: dict[str, dict[str, int]] = {}
    latest: dict[str, MemberSession] = {}
    for summary in chosen:
        for m in summary.members:
            latest[m.id] = m
            t = totals.setdefault(m.id, dict.fromkeys(_COUNTERS, 0))
            t["sessions"] += 1
            t[m.attendance] += 1
            t["late"] += int(m.late)
            t["votes_in_person"] += m.votes_in_person
            t["votes_by_proxy"] += m.votes_by_proxy
            t["votes_as_holder"] += m.votes_as_holder
            t["scrutins"] += summary.scrutins
    last_members = {m.id: m.rank for m in chosen[-1].members} if chosen else {}
    order = sorted(
        latest,
        key=lambda mid: (
            (0, last_members[mid], "") if mid in last_members else (1, 0, latest[mid].name)
        ),
    )
    members = tuple(
        MemberStats(
            id=mid,
            name=latest[mid].name,
            role=latest[mid].role,
            rank=latest[mid].rank,
            in_office_now=mid in current,
            sessions=totals[mid]["sessions"],
            present=totals[mid][PRESENT],
            represented=totals[mid][REPRESENTED],
            excused=totals[mid][EXCUSED],
            unexcused=totals[mid][UNEXCUSED],
            late=totals[mid]["late"],
            votes_in_person=totals[mid]["votes_in_person"],
            votes_by_proxy=totals[mid]["votes_by_proxy"],
            votes_as_holder=totals[mid]["votes_as_holder"],
            scrutins=totals[mid]["scrutins"],
        )
        for mid in order
    )
    return Statistics(
        year=year,
        years=tuple(sorted({s.year for s in held})),
        commune=ordered[-1].commune if ordered else "",
        sessions=tuple(chosen),
        members=members,
    )


_COUNTERS = (
    "sessions",
    PRESENT,
    REPRESENTED,
    EXCUSED,
    UNEXCUSED,
    "late",
    "votes_in_person",
    "votes_by_proxy",
    "votes_as_holder",
    "scrutins",
)


def statistics(
    journal: Journal, year: int | None = None, cache: SummaryCache | None = None
) -> Statistics:
    """The participation statistics of ``year`` (None: every year), from the journal."""
    return aggregate((cache or SummaryCache()).summaries(journal), year)


# --- output ------------------------------------------------------------------------


def stats_json(stats: Statistics) -> dict[str, Any]:
    """``table-app stats --json``."""
    return {
        "commune": stats.commune,
        "year": stats.year,
        "years": list(stats.years),
        "definitions": DEFINITIONS,
        "members": [m.to_json() for m in stats.members],
        "sessions": [
            {
                "id": s.id,
                "date": s.date,
                "title": s.title,
                "state": s.state,
                "reconvened": s.reconvened,
                "in_office": s.in_office,
                "present": s.count(PRESENT),
                "represented": s.count(REPRESENTED),
                "excused": s.count(EXCUSED),
                "unexcused": s.count(UNEXCUSED),
                "late": sum(1 for m in s.members if m.late),
                "opening_present": s.opening_present,
                "quorum_required": s.quorum_required,
                "quorum_margin": s.quorum_margin,
                "deliberations": s.deliberations,
                "scrutins": s.scrutins,
            }
            for s in stats.sessions
        ],
    }


#: The CSV's columns (a spreadsheet set to French expects the semicolon).
MEMBER_CSV_COLUMNS = (
    "id",
    "nom",
    "fonction",
    "en_exercice",
    "seances",
    "present",
    "represente",
    "excuse",
    "non_excuse",
    "retards",
    "votes_en_personne",
    "votes_par_procuration",
    "voix_portees",
    "scrutins",
)
SESSION_CSV_COLUMNS = (
    "seance",
    "date",
    "etat",
    "membres_en_exercice",
    "presents",
    "representes",
    "absents_excuses",
    "absents_non_excuses",
    "retards",
    "presents_a_l_ouverture",
    "quorum_requis",
    "marge_quorum",
    "deliberations",
    "scrutins",
)


def stats_csv(stats: Statistics, sessions: bool = False) -> str:
    """One table as CSV (semicolons, CRLF): the members', or the sessions' one."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    if sessions:
        writer.writerow(SESSION_CSV_COLUMNS)
        for s in stats.sessions:
            writer.writerow(
                [
                    s.id,
                    s.date,
                    s.state,
                    s.in_office,
                    s.count(PRESENT),
                    s.count(REPRESENTED),
                    s.count(EXCUSED),
                    s.count(UNEXCUSED),
                    sum(1 for m in s.members if m.late),
                    s.opening_present,
                    s.quorum_required,
                    s.quorum_margin,
                    s.deliberations,
                    s.scrutins,
                ]
            )
        return buffer.getvalue()
    writer.writerow(MEMBER_CSV_COLUMNS)
    for m in stats.members:
        writer.writerow(
            [
                m.id,
                m.name,
                m.role,
                "oui" if m.in_office_now else "non",
                m.sessions,
                m.present,
                m.represented,
                m.excused,
                m.unexcused,
                m.late,
                m.votes_in_person,
                m.votes_by_proxy,
                m.votes_as_holder,
                m.scrutins,
            ]
        )
    return buffer.getvalue()


def member_label(member: MemberStats) -> str:
    """ "Hélène Marchand (maire)", "Céline Barbier (a quitté le conseil)"."""
    if not member.in_office_now:
        return f"{member.name} (a quitté le conseil)"
    return f"{member.name} ({member.role})" if member.role != "conseiller" else member.name


def signed(n: int | None) -> str:
    """A margin as the mayor reads it: "+3", "0", "−2"; "—" when unknown."""
    if n is None:
        return "—"
    return f"+{n}" if n > 0 else (str(n) if n == 0 else f"−{-n}")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Columns padded to their widest cell; the first ``left`` ones aligned left."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [
            str(c).ljust(w) if i < left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def stats_text(stats: Statistics) -> str:
    """``table-app stats``: the two tables in French, with what each column means."""
    where = f" — {stats.commune}" if stats.commune else ""
    n = len(stats.sessions)
    head = f"Statistiques de participation{where}, {stats.period}"
    if not stats.sessions:
        known = ", ".join(str(y) for y in stats.years) or "aucune"
        return f"{head}\nAucune séance tenue sur cette période (années avec des séances : {known})."
    lines = [
        head,
        f"{n} séance{'s' if n > 1 else ''} tenue{'s' if n > 1 else ''}, "
        f"{stats.deliberations} délibération{'s' if stats.deliberations > 1 else ''}.",
        "",
        "Par élu",
    ]
    lines += _table(
        (
            "Élu",
            "Séances",
            "Présent",
            "Représenté",
            "Excusé",
            "Non excusé",
            "Retards",
            "Présence",
            "Votes",
            "dont procur.",
            "Scrutins",
        ),
        [
            (
                member_label(m),
                str(m.sessions),
                str(m.present),
                str(m.represented),
                str(m.excused),
                str(m.unexcused),
                str(m.late),
                f"{round(100 * m.presence_rate)} %",
                str(m.votes_in_person + m.votes_by_proxy),
                str(m.votes_by_proxy),
                str(m.scrutins),
            )
            for m in stats.members
        ],
    )
    lines += ["", "Par séance"]
    lines += _table(
        (
            "Date",
            "Séance",
            "Présents",
            "Représentés",
            "Excusés",
            "Non excusés",
            "Retards",
            "Quorum à l'ouverture",
            "Marge",
            "Délibérations",
        ),
        [
            (
                short_date(s.date),
                s.id
                + (" (carence)" if s.state == "carence" else "")
                + (" (reconvoquée)" if s.reconvened else ""),
                str(s.count(PRESENT)),
                str(s.count(REPRESENTED)),
                str(s.count(EXCUSED)),
                str(s.count(UNEXCUSED)),
                str(sum(1 for m in s.members if m.late)),
                f"{s.opening_present} présents / {s.quorum_required} requis",
                signed(s.quorum_margin),
                str(s.deliberations),
            )
            for s in stats.sessions
        ],
        left=2,
    )
    notes = [
        "Présent : présent à un moment de la séance, même parti avant la fin. Représenté : "
        "absent toute la séance, avec une procuration donnée à un collègue. Excusé : absent, "
        "excusé à l'appel, sans procuration. Non excusé : ni présent, ni représenté, ni excusé.",
        "Retards : arrivé après l'ouverture de la séance. Présence : séances où l'élu était là, "
        "sur les séances tenues pendant son mandat.",
        "Votes : scrutins (votes et tours de nomination) où la voix de l'élu a compté, "
        "lui-même ou par sa procuration (dont procur.) ; les voix qu'il a portées pour un "
        "collègue n'y sont pas. Scrutins : votes possibles pendant son mandat.",
        "Marge : présents à l'ouverture moins le quorum requis, comme le journal les a "
        "enregistrés.",
    ]
    lines.append("")
    lines += [textwrap.fill(note, 100, break_on_hyphens=False) for note in notes]
    return "\n".join(lines)


__all__ = [
    "ATTENDANCE_LABELS",
    "CACHE_FILE",
    "DEFINITIONS",
    "MemberSession",
    "MemberStats",
    "SessionSummary",
    "Statistics",
    "SummaryCache",
    "aggregate",
    "member_label",
    "statistics",
    "stats_csv",
    "stats_json",
    "stats_text",
    "summarize_session",
]
