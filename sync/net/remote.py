"""What a seat device knows of the master: the session and the documents, from the feed.

``RemoteTable`` is to a seat on the network what the engine and the document
library are to a seat on the table's own computer: the state projected from
the journal's events, the documents as the document feed last described
them, and their bytes from the seat's cache. It is fed by a ``SeatLink``
(``on_events``) and read by the views; it never writes a session event of
its own (a seat only proposes, through the link).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sync.document_catalog import DocumentCatalog, DocumentInfo
from table_app.council import projection
from table_app.council.decide import Decision
from table_app.council.engine import Accepted
from table_app.council.errors import CommandRefused
from table_app.council.state import CouncilState
from table_app.journal import Event

log = logging.getLogger("sync.net.remote")

_READ_ONLY = (
    "Un siège en réseau suit la séance : seul l'écran du maire la conduit "
    "(un siège peut proposer un point)"
)
Subscriber = Callable[[Event], None]
#: Told once a batch of the feed has been applied: ``(stream, events, reset)``.
BatchSubscriber = Callable[[str, list[Event], bool], None]


class _Subscribers:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("Un abonné du siège a échoué sur l'événement %d", event.seq)


class RemoteTable:
    """The master's session and documents as this seat last heard them."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.state = CouncilState()
        self._session_events = _Subscribers()
        self.feed = _Subscribers()  # document events, as ``DocumentLibrary.feed``
        #: the documents as the feed last described them
        self.catalog = DocumentCatalog()
        self._batches: list[BatchSubscriber] = []
        #: content hashes the seat wants and has not got yet (the link fetches them)
        self.wanted: list[str] = []

    # --- fed by the link ------------------------------------------------------

    def on_events(self, stream: str, events: list[Event], reset: bool) -> None:
        if stream == "journal":
            if reset:
                self.state = CouncilState()
            for event in events:
                projection.apply(self.state, event)
                self._session_events.publish(event)
        elif stream == "documents":
            if reset:
                self.catalog.clear()
            self.catalog.loaded = True
            for event in events:
                self.catalog.apply(event)
                self.feed.publish(event)
        for batch in list(self._batches):
            try:
                batch(stream, events, reset)
            except Exception:
                log.exception("Un abonné du siège a échoué sur un lot du fil « %s »", stream)

    def subscribe_batches(self, subscriber: BatchSubscriber) -> Callable[[], None]:
        """Be told after each batch is applied (a catch-up of 500 events is one
        batch: a screen redraws once, not 500 times)."""
        self._batches.append(subscriber)
        return lambda: self._batches.remove(subscriber)

    # --- read by the views (the engine's and the library's interface) ----------

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        return self._session_events.subscribe(subscriber)

    def execute(self, command: Mapping[str, Any], author: str = "president") -> Accepted:
        """A seat on the network records nothing itself: it proposes through its link."""
        raise CommandRefused(_READ_ONLY)

    def preview(self, command: Mapping[str, Any], author: str = "president") -> Decision:
        raise CommandRefused(_READ_ONLY)

    def documents(self, include_removed: bool = False) -> list[DocumentInfo]:
        return self.catalog.documents(include_removed)

    def document(self, document_id: int) -> DocumentInfo | None:
        return self.catalog.document(document_id)

    def viewable_path(self, content_hash: str) -> Path:
        """Where the document's bytes are on this seat; asked for when not there yet."""
        path = self.cache / content_hash
        if not path.is_file() and content_hash not in self.wanted:
            self.wanted.append(content_hash)
        return path


__all__ = ["RemoteTable"]
