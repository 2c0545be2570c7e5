"""The journal: an append-only, hash-chained list of session events.

Each event's hash covers the previous event's hash and everything the event
says (time, session, author, type, payload), so editing, removing, inserting
or moving a stored event breaks the chain at a place ``verify`` can name.
The sequence number is not hashed: it is checked to run 1, 2, 3… along the
chain, which lets ``verify`` tell a removed event from an edited one.

An event is committed (``synchronous=FULL``) before ``append`` returns: once a
caller has the event, it survives a crash or a power cut.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from table_app.store.database import Database
from table_app.store.models import EventRecord

log = logging.getLogger("table_app.journal")

GENESIS_HASH = "0" * 64
_events: Table = EventRecord.__table__  # type: ignore[assignment]

# Built once: rebuilding these statements on every command cost more than the fsync.
_LAST_EVENT = select(_events.c.seq, _events.c.hash).order_by(_events.c.seq.desc()).limit(1)
_INSERT_EVENT = insert(_events)


def canonical_json(value: Any) -> str:
    """The one serialisation the hash covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(
    prev_hash: str, recorded_at: str, session_id: str, author: str, type_: str, payload_json: str
) -> str:
    h = hashlib.sha256()
    for part in (prev_hash, recorded_at, session_id, author, type_, payload_json):
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def utc_now_iso(offset_s: float = 0.0) -> str:
    """Now (or ``offset_s`` seconds from now) in UTC: "2026-11-28T19:05:00.123456Z"."""
    moment = datetime.now(UTC) + timedelta(seconds=offset_s)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Event:
    """One accepted command, as stored and as published on the session feed."""

    seq: int
    recorded_at: str
    session_id: str
    author: str
    type: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "recorded_at": self.recorded_at,
            "session_id": self.session_id,
            "author": self.author,
            "type": self.type,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Event:
        """The event as ``to_json`` wrote it (a seat reading the feed)."""
        return cls(
            int(raw["seq"]),
            str(raw["recorded_at"]),
            str(raw["session_id"]),
            str(raw["author"]),
            str(raw["type"]),
            dict(raw["payload"]),
            str(raw["prev_hash"]),
            str(raw["hash"]),
        )


def _from_row(row: Any) -> Event:
    return Event(
        seq=row.seq,
        recorded_at=row.recorded_at,
        session_id=row.session_id,
        author=row.author,
        type=row.type,
        payload=json.loads(row.payload),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class JournalWriter:
    """The write side of one transaction, holding the journal's write lock."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        last = conn.execute(_LAST_EVENT).first()
        self.last_seq: int = last.seq if last else 0
        self.last_hash: str = last.hash if last else GENESIS_HASH

    def events_after(self, seq: int) -> list[Event]:
        """Events another process appended since ``seq`` (to catch up first)."""
        if seq >= self.last_seq:
            return []
        rows = self._conn.execute(
            select(_events).where(_events.c.seq > seq).order_by(_events.c.seq)
        )
        return [_from_row(r) for r in rows]

    def append(
        self,
        session_id: str,
        author: str,
        type_: str,
        payload: dict[str, Any],
        recorded_at: str | None = None,
    ) -> Event:
        recorded_at = recorded_at or utc_now_iso()
        # A plain string (an ``EventType`` is a str whose value is stored and hashed):
        # the event handed back is then the one read back from the journal later.
        type_ = str(type_)
        payload_json = canonical_json(payload)
        seq = self.last_seq + 1
        digest = chain_hash(self.last_hash, recorded_at, session_id, author, type_, payload_json)
        self._conn.execute(
            _INSERT_EVENT,
            {
                "seq": seq,
                "recorded_at": recorded_at,
                "session_id": session_id,
                "author": author,
                "type": type_,
                "payload": payload_json,
                "prev_hash": self.last_hash,
                "hash": digest,
            },
        )
        event = Event(
            seq,
            recorded_at,
            session_id,
            author,
            type_,
            json.loads(payload_json),
            self.last_hash,
            digest,
        )
        self.last_seq, self.last_hash = seq, digest
        return event


@dataclass(frozen=True)
class ChainProblem:
    """One place where the stored journal is not what was written."""

    seq: int
    kind: str  # "modifié", "supprimé", "inséré", "déplacé"; "tronqué", "réécrit" (anchors)
    message: str


class Journal:
    """Reads and appends the events of the store's journal."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def writing(self) -> Iterator[JournalWriter]:
        """A write transaction: committed on normal exit, rolled back on error."""
        with self.db.writing() as conn:
            yield JournalWriter(conn)

    def append(self, session_id: str, author: str, type_: str, payload: dict[str, Any]) -> Event:
        with self.writing() as w:
            return w.append(session_id, author, type_, payload)

    def events(self, after: int = 0, session_id: str | None = None) -> list[Event]:
        """Events with ``seq > after`` in order; a remote seat resumes from its last seq."""
        query = select(_events).where(_events.c.seq > after).order_by(_events.c.seq)
        if session_id is not None:
            query = query.where(_events.c.session_id == session_id)
        with self.db.engine.connect() as conn:
            return [_from_row(r) for r in conn.execute(query)]

    def event_at(self, seq: int) -> Event | None:
        with self.db.engine.connect() as conn:
            row = conn.execute(select(_events).where(_events.c.seq == seq)).first()
        return _from_row(row) if row is not None else None

    def last_seq(self) -> int:
        with self.db.engine.connect() as conn:
            value = conn.execute(
                select(_events.c.seq).order_by(_events.c.seq.desc()).limit(1)
            ).scalar()
        return int(value or 0)

    def verify(self, progress: Callable[[int], None] | None = None) -> list[ChainProblem]:
        """Walk the whole chain; return every problem found (empty: intact)."""
        with self.db.engine.connect() as conn:
            rows = list(conn.execute(select(_events).order_by(_events.c.seq)))
        return verify_rows(rows, progress)


def verify_rows(
    rows: list[Any], progress: Callable[[int], None] | None = None
) -> list[ChainProblem]:
    """Check stored rows (ordered by seq) against their hashes and links.

    A row whose content no longer matches its hash was edited. A row whose
    hash is sound but whose link points elsewhere tells what happened around
    it: the link points to an earlier row (rows in between were inserted),
    to a later row (rows were moved), or to no row at all (its predecessor
    was removed). A gap in the numbers is a removal too.
    """
    problems: list[ChainProblem] = []
    by_hash = {r.hash: i for i, r in enumerate(rows)}
    followers: dict[str, list[int]] = {}
    for n, r in enumerate(rows):
        followers.setdefault(r.prev_hash, []).append(n)
    sound = [
        chain_hash(r.prev_hash, r.recorded_at, r.session_id, r.author, r.type, r.payload) == r.hash
        for r in rows
    ]
    flagged: set[int] = set()

    def report(i: int, kind: str, message: str) -> None:
        if i not in flagged:
            flagged.add(i)
            problems.append(ChainProblem(rows[i].seq, kind, message))

    for i, row in enumerate(rows):
        if progress is not None and i % 1000 == 0:
            progress(i)
        expected_prev = rows[i - 1].hash if i else GENESIS_HASH
        if not sound[i]:
            report(
                i,
                "modifié",
                f"l'événement n° {row.seq} a été modifié après son enregistrement "
                f"(son contenu ne correspond plus à son empreinte)",
            )
            continue
        expected_seq = rows[i - 1].seq + 1 if i else 1
        if row.seq != expected_seq and row.seq > expected_seq:
            missing = (
                f"n° {expected_seq}"
                if row.seq == expected_seq + 1
                else f"n° {expected_seq} à {row.seq - 1}"
            )
            problems.append(
                ChainProblem(
                    expected_seq, "supprimé", f"événement(s) {missing} supprimé(s) du journal"
                )
            )
        if row.prev_hash == expected_prev:
            continue
        j = by_hash.get(row.prev_hash)
        if j is None and row.prev_hash != GENESIS_HASH:
            if row.seq == expected_seq:
                problems.append(
                    ChainProblem(
                        row.seq,
                        "supprimé",
                        f"l'événement qui précédait le n° {row.seq} a été "
                        f"supprimé (et les numéros décalés)",
                    )
                )
        elif j is not None and j < i - 1:
            # Rows j+1..i-1 sit between this row and its predecessor. Walking
            # back: a row that no row links to, or only rows inserted with it,
            # was inserted; an original row there was moved only if it does not
            # link to the row stored before it (else it is where it was written).
            inserted: set[int] = set()
            for k in range(i - 1, j, -1):
                if all(f in inserted for f in followers.get(rows[k].hash, [])):
                    inserted.add(k)
                    report(
                        k,
                        "inséré",
                        f"l'événement n° {rows[k].seq} a été inséré "
                        f"(il ne figurait pas dans la chaîne d'origine)",
                    )
                elif rows[k].prev_hash != rows[k - 1].hash:
                    report(
                        k,
                        "déplacé",
                        f"l'événement n° {rows[k].seq} a été déplacé "
                        f"(il ne suivait pas le n° {rows[k - 1].seq})",
                    )
        else:
            report(
                i,
                "déplacé",
                f"l'événement n° {row.seq} a été déplacé "
                f"(il ne suit pas l'événement qui le précède dans la chaîne)",
            )
    problems.sort(key=lambda p: p.seq)
    return problems
