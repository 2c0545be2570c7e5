"""Typed SQLAlchemy models. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class EventRecord(Base):
    """One accepted command of the journal, hash-chained to the one before.

    ``payload`` is stored as canonical JSON text (sorted keys, no spaces), the
    exact bytes the hash covers, so re-reading never changes the chain.
    """

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    recorded_at: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_events_session_seq", "session_id", "seq"),)


class Content(Base):
    """One file content, by its SHA-256: stored once whatever its names.

    ``status`` is ``viewable`` or ``rejected`` (then ``reason`` says why, in
    French). The bytes are kept in the data folder's blob store, so an old
    version stays readable after the file changes in the synced folder.
    """

    __tablename__ = "contents"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # pdf, image, office, unknown
    mime: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int] = mapped_column(default=0)
    title: Mapped[str | None] = mapped_column(Text)
    thumbnail: Mapped[bytes | None]
    text_indexed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[str] = mapped_column(String(32))


class Document(Base):
    """A file of the commune's folder, followed across its versions and moves."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    category: Mapped[str] = mapped_column(String(16))  # seance, archive, commission, autre
    session_date: Mapped[str | None] = mapped_column(String(10))
    item_position: Mapped[int | None]
    item_title: Mapped[str | None] = mapped_column(Text)
    archive_year: Mapped[int | None]
    archive_date: Mapped[str | None] = mapped_column(String(10))
    commission: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # viewable, rejected, removed
    current_hash: Mapped[str | None] = mapped_column(ForeignKey("contents.hash"))
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    removed_at: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_documents_hash", "current_hash"),)


class DocumentVersion(Base):
    """Each content a document has had, oldest first."""

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    hash: Mapped[str] = mapped_column(ForeignKey("contents.hash"))
    size: Mapped[int]
    mtime: Mapped[float]
    seen_at: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_document_versions_document", "document_id", "id"),)


class Page(Base):
    """The text of one page of a content, for search (page_no from 1)."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(ForeignKey("contents.hash"))
    page_no: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_pages_hash_page", "hash", "page_no", unique=True),)


class DocumentFeedRecord(Base):
    """The document feed: the session feed's sibling, with the same shape.

    Seats list a new, changed or removed document from it, and a remote seat
    follows it from a sequence number, as it does the session journal. It is
    not hash-chained: it reports the folder, it is not a legal record.
    """

    __tablename__ = "document_feed"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    recorded_at: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)


class DeliberationText(Base):
    """The current text of one item of a session, for search (see sync/search.py).

    Kept from the session feed by ``sync.search.DeliberationIndexer``; its FTS5
    index ``deliberation_texts_fts`` (SQLite only) follows it by triggers.
    """

    __tablename__ = "deliberation_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_deliberation_texts_item", "session_id", "item_id", unique=True),)


class PrivateNoteRecord(Base):
    """A councillor's private note on one page of one content (see ``table_app.notes``).

    Not a journal event: private to ``member_id``, erased for good on request,
    never exported with the session (migration 0004_private_notes says why).
    """

    __tablename__ = "private_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    page_no: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # ink, highlight, text
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_private_notes_member_content", "member_id", "content_hash", "page_no"),
    )
