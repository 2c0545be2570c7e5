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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from table_app.council import projection
from table_app.council.state import CouncilState
from table_app.journal import Event

log = logging.getLogger("sync.net.remote")

Subscriber = Callable[[Event], None]


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
        self._documents: dict[int, dict[str, Any]] = {}
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
                self._documents.clear()
            for event in events:
                payload = event.payload
                if "document_id" in payload:
                    self._documents[int(payload["document_id"])] = dict(payload)
                self.feed.publish(event)

    # --- read by the views (the engine's and the library's interface) ----------

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        return self._session_events.subscribe(subscriber)

    def documents(self, include_removed: bool = False) -> list[dict[str, Any]]:
        docs = sorted(self._documents.values(), key=lambda d: str(d.get("path")))
        return [d for d in docs if include_removed or d.get("status") != "removed"]

    def document(self, document_id: int) -> dict[str, Any] | None:
        return self._documents.get(document_id)

    def viewable_path(self, content_hash: str) -> Path:
        """Where the document's bytes are on this seat; asked for when not there yet."""
        path = self.cache / content_hash
        if not path.is_file() and content_hash not in self.wanted:
            self.wanted.append(content_hash)
        return path


__all__ = ["RemoteTable"]
