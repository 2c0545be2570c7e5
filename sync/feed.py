"""The document feed: what the seats learn about the folder, in order.

Same shape as the session journal's events (``table_app.journal.Event``), so
a seat, local or remote, follows both the same way: by sequence number. It is
not hash-chained (it reports the state of a folder, not a legal record);
``prev_hash`` and ``hash`` are empty.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from enum import StrEnum, unique
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from table_app.journal import Event, canonical_json, utc_now_iso
from table_app.store.database import Database
from table_app.store.models import DocumentFeedRecord

log = logging.getLogger("sync.feed")

_feed: Table = DocumentFeedRecord.__table__  # type: ignore[assignment]
#: The feed's last event number (a query).
LAST_EVENT = select(_feed.c.seq).order_by(_feed.c.seq.desc()).limit(1)
_INSERT = insert(_feed)


@unique
class DocumentEvent(StrEnum):
    """The event types of the document feed (a ``str``: its value is what the feed stores).

    The session journal's are ``table_app.council.events.EventType``.
    """

    ADDED = "document.added"  # a new document is listed (viewable, text maybe not indexed yet)
    UPDATED = "document.updated"  # a new version of a known document
    MOVED = "document.moved"  # renamed or moved in the folder
    REMOVED = "document.removed"  # deleted from the folder (kept in the archive)
    REJECTED = "document.rejected"  # cannot be shown; payload["reason"] says why, in French
    INDEXED = "document.indexed"  # its text is searchable


#: Event types of the document feed.
DOCUMENT_EVENTS = tuple(DocumentEvent)

Subscriber = Callable[[Event], None]


class DocumentFeed:
    """Appends document events and tells the subscribers once committed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def append(self, conn: Connection, type_: str, payload: dict[str, Any]) -> Event:
        """Write one event in the caller's transaction; publish it with ``publish``."""
        last = conn.execute(LAST_EVENT).scalar()
        seq = int(last or 0) + 1
        type_ = str(type_)  # a DocumentEvent is stored, and handed on, as its plain value
        recorded_at = utc_now_iso()
        text = canonical_json(payload)
        conn.execute(
            _INSERT,
            {
                "seq": seq,
                "recorded_at": recorded_at,
                "session_id": "",
                "author": "systeme",
                "type": type_,
                "payload": text,
            },
        )
        return Event(seq, recorded_at, "", "systeme", type_, json.loads(text), "", "")

    def publish(self, events: list[Event]) -> None:
        for event in events:
            for subscriber in list(self._subscribers):
                try:
                    subscriber(event)
                except Exception:
                    log.exception("Un abonné au fil des documents a échoué (n° %d)", event.seq)

    def last_seq(self) -> int:
        with self.db.engine.connect() as conn:
            return int(conn.execute(LAST_EVENT).scalar() or 0)

    def events(self, after: int = 0) -> list[Event]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(_feed).where(_feed.c.seq > after).order_by(_feed.c.seq))
            return [
                Event(r.seq, r.recorded_at, "", r.author, r.type, json.loads(r.payload), "", "")
                for r in rows
            ]
