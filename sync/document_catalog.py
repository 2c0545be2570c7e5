"""The documents a screen lists, kept up to date from the document feed.

The views read this catalogue, never the database: it is loaded once (one
query, on a worker thread: ``DocumentLibrary.snapshot``) and then follows the
feed's events, whose payloads describe each document in full
(``DocumentLibrary._payload``). A seat on the network keeps one the same way
from the feed it receives (``sync.net.remote.RemoteTable``).

Not thread-safe: one thread (the GUI's) applies the events and reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias, TypedDict, cast

from table_app.journal import Event


class DocumentInfo(TypedDict):
    """One document as the feed describes it (``document.*`` payloads)."""

    document_id: int
    path: str
    title: str
    content_title: str | None
    category: str | None
    label: str
    session_date: str | None
    item_position: int | None
    item_title: str | None
    archive_year: int | None
    archive_date: str | None
    commission: str | None
    status: str  # viewable, rejected, removed
    reason: str | None
    kind: str | None
    mime: str | None
    page_count: int | None
    text_indexed: bool
    hash: str | None
    updated_at: str | None


#: What a view takes: a ``DocumentInfo``, or any mapping with its keys.
Document: TypeAlias = Mapping[str, Any]


class DocumentCatalog:
    """Every document listed, by id, as of feed event ``seq``."""

    def __init__(self) -> None:
        self._by_id: dict[int, DocumentInfo] = {}
        self._sorted: list[DocumentInfo] | None = None
        #: the feed event the snapshot was taken at: anything up to it is in
        self.base = 0
        #: the last feed event applied to each document
        self._applied: dict[int, int] = {}
        #: changes with every document added, changed or removed, not when its text
        #: becomes searchable (nothing a list shows): views compare it
        self.version = 0
        #: False until the first snapshot is in (a view says "loading", not "none")
        self.loaded = False

    def load(self, documents: list[DocumentInfo], seq: int) -> None:
        """Start again from a snapshot taken at feed event ``seq``."""
        self._by_id = {int(d["document_id"]): d for d in documents}
        self._applied = {}
        self._sorted = None
        self.base = seq
        self.version += 1
        self.loaded = True

    def clear(self) -> None:
        self.load([], 0)

    def apply(self, event: Event) -> bool:
        """Take one feed event into account; False when it was already in.

        Each payload describes its document in full, so only the order of one
        document's events matters: events published by two threads may come
        in any order between documents, and an older one never wins."""
        if event.seq <= self.base:
            return False
        payload: dict[str, Any] = event.payload
        if "document_id" not in payload:
            return False
        document_id = int(payload["document_id"])
        if event.seq <= self._applied.get(document_id, 0):
            return False
        self._applied[document_id] = event.seq
        before = self._by_id.get(document_id)
        after = cast(DocumentInfo, dict(payload))
        self._by_id[document_id] = after
        self._sorted = None
        if before is None or _listed(before) != _listed(after):
            self.version += 1
        return True

    def documents(self, include_removed: bool = False) -> list[DocumentInfo]:
        """Sorted by path, as ``DocumentLibrary.documents``."""
        if self._sorted is None:
            self._sorted = sorted(self._by_id.values(), key=lambda d: str(d["path"]))
        if include_removed:
            return list(self._sorted)
        return [d for d in self._sorted if d["status"] != "removed"]

    def document(self, document_id: int) -> DocumentInfo | None:
        return self._by_id.get(document_id)

    def __len__(self) -> int:
        return sum(1 for d in self._by_id.values() if d["status"] != "removed")


def _listed(document: DocumentInfo) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "text_indexed"}


__all__ = ["Document", "DocumentCatalog", "DocumentInfo"]
