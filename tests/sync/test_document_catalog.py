"""The documents a screen lists, kept from the feed's events in any order."""

from typing import Any

from sync.document_catalog import DocumentCatalog, DocumentInfo
from table_app.journal import Event


def _doc(document_id: int, path: str, **fields: Any) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "path": path,
        "title": path.rsplit("/", 1)[-1],
        "status": "viewable",
        "text_indexed": False,
        **fields,
    }


def _event(seq: int, type_: str, payload: dict[str, Any]) -> Event:
    return Event(seq, "2026-11-28T18:00:00Z", "", "systeme", type_, payload, "", "")


def test_it_starts_from_a_snapshot_and_takes_only_what_is_newer() -> None:
    catalog = DocumentCatalog()
    assert not catalog.loaded
    snapshot: list[Any] = [_doc(1, "b.pdf"), _doc(2, "a.pdf")]
    catalog.load(snapshot, seq=5)
    assert [d["path"] for d in catalog.documents()] == ["a.pdf", "b.pdf"]
    # Already in the snapshot: nothing changes.
    assert not catalog.apply(_event(5, "document.updated", _doc(1, "old.pdf")))
    assert catalog.apply(_event(6, "document.added", _doc(3, "c.pdf")))
    assert [d["path"] for d in catalog.documents()] == ["a.pdf", "b.pdf", "c.pdf"]


def test_events_of_two_documents_may_cross_but_an_older_one_never_wins() -> None:
    catalog = DocumentCatalog()
    catalog.load([], seq=0)
    # Published by two threads: 8 arrives before 7.
    assert catalog.apply(_event(8, "document.moved", _doc(1, "Archives/2025/budget.pdf")))
    assert catalog.apply(_event(7, "document.added", _doc(2, "devis.pdf")))
    assert not catalog.apply(_event(6, "document.added", _doc(1, "budget.pdf")))
    document = catalog.document(1)
    assert document is not None
    assert document["path"] == "Archives/2025/budget.pdf"
    assert len(catalog) == 2


def test_a_removed_document_is_kept_but_not_listed() -> None:
    catalog = DocumentCatalog()
    catalog.load([], seq=0)
    catalog.apply(_event(1, "document.added", _doc(1, "budget.pdf")))
    catalog.apply(_event(2, "document.removed", _doc(1, "budget.pdf", status="removed")))
    assert catalog.documents() == []
    assert [d["status"] for d in catalog.documents(include_removed=True)] == ["removed"]
    assert len(catalog) == 0


def test_a_text_made_searchable_changes_nothing_a_list_shows() -> None:
    catalog = DocumentCatalog()
    catalog.load([], seq=0)
    catalog.apply(_event(1, "document.added", _doc(1, "budget.pdf")))
    version = catalog.version
    catalog.apply(_event(2, "document.indexed", _doc(1, "budget.pdf", text_indexed=True)))
    assert catalog.version == version  # the views need not redraw
    indexed: DocumentInfo | None = catalog.document(1)
    assert indexed is not None
    assert indexed["text_indexed"] is True
    catalog.apply(_event(3, "document.updated", _doc(1, "budget.pdf", title="Budget 2027")))
    assert catalog.version == version + 1
