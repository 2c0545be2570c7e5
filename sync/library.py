"""The commune's documents as the table knows them: ingest, versions, removal.

Each file is copied into a content-addressed blob store while it is hashed, so
the same content under two names is stored once, and an old version stays
readable after the synced file changes. The copy, not the synced file, is what
the worker processes open: a file that changes under the reader cannot
confuse it.

Ingest has two phases, so a seat lists a new document at once: ``ingest``
probes the file (type, pages, title, thumbnail) and publishes
``document.added``; ``index_text`` extracts the text of every page later and
publishes ``document.indexed``. Every method is meant for one background
thread (``sync.service.DocumentSync``), never the GUI thread.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, update

from sync.classify import Placement, classify, is_ignored
from sync.document_catalog import DocumentInfo
from sync.extract import Probe
from sync.feed import LAST_EVENT as _LAST_FEED_EVENT
from sync.feed import DocumentFeed
from sync.search import index_content
from sync.workers import TRANSIENT_CODES, ExtractionPool, Rejection
from table_app.journal import Event, utc_now_iso
from table_app.store.database import Database
from table_app.store.models import Content, Document, DocumentVersion

log = logging.getLogger("sync.ingest")

_contents: Table = Content.__table__  # type: ignore[assignment]
_documents: Table = Document.__table__  # type: ignore[assignment]
_versions: Table = DocumentVersion.__table__  # type: ignore[assignment]

_CHUNK = 1 << 20
#: A file deleted this many seconds before the same content appears elsewhere moved.
MOVE_WINDOW_S = 10.0


@dataclass(frozen=True)
class Change:
    """What happened to one document."""

    kind: str  # added, updated, moved, removed, rejected
    path: str
    document_id: int
    title: str
    reason: str | None = None


@dataclass
class ScanReport:
    """The outcome of a full scan (``table-app ingest``)."""

    added: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    rejected: list[Change] = field(default_factory=list)
    unchanged: int = 0
    indexed: int = 0

    def record(self, change: Change | None) -> None:
        if change is None:
            self.unchanged += 1
        elif change.kind == "added":
            self.added.append(change)
        elif change.kind in ("updated", "moved"):
            self.updated.append(change)
        elif change.kind == "removed":
            self.removed.append(change)
        elif change.kind == "rejected":
            self.rejected.append(change)

    def to_json(self) -> dict[str, Any]:
        def rows(changes: list[Change]) -> list[dict[str, Any]]:
            return [
                {"path": c.path, "document_id": c.document_id, "title": c.title, "reason": c.reason}
                for c in changes
            ]

        return {
            "added": rows(self.added),
            "updated": rows(self.updated),
            "removed": rows(self.removed),
            "rejected": rows(self.rejected),
            "unchanged": self.unchanged,
            "indexed": self.indexed,
        }


def title_from_name(rel: PurePosixPath) -> str:
    """ "devis_toiture-ecole.pdf" → "devis toiture-ecole": the name as people wrote it."""
    stem = rel.stem.replace("_", " ").strip()
    return " ".join(stem.split()) or rel.name


class DocumentLibrary:
    """Documents of one folder, their versions and contents, in the store.

    Attributes:
        folder: the synced folder.
        blobs: the content-addressed copies (``<data>/blobs/ab/abcd…``).
        feed: the document feed; every change is published there once committed.
    """

    def __init__(self, db: Database, folder: Path, data_dir: Path, pool: ExtractionPool) -> None:
        self.db = db
        self.folder = folder.resolve()
        self.blobs = data_dir / "blobs"
        self.work = data_dir / "work"
        self.pool = pool
        self.feed = DocumentFeed(db)
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.work.mkdir(parents=True, exist_ok=True)

    # --- paths -------------------------------------------------------------

    def relative(self, path: Path) -> PurePosixPath | None:
        """The path inside the folder, or None for anything outside it."""
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.folder)
        except ValueError:
            return None
        return PurePosixPath(rel.as_posix()) if rel.parts else None

    def blob_path(self, content_hash: str) -> Path:
        return self.blobs / content_hash[:2] / content_hash

    def viewable_path(self, content_hash: str) -> Path:
        """The file a viewer opens: the copy itself, or its PDF conversion."""
        converted = self.blob_path(content_hash).with_suffix(".pdf")
        return converted if converted.exists() else self.blob_path(content_hash)

    def wants(self, path: Path) -> bool:
        rel = self.relative(path)
        return rel is not None and not is_ignored(rel)

    # --- ingest ------------------------------------------------------------

    def ingest(self, path: Path) -> Change | None:
        """Add or update the document at ``path``; None when nothing changed."""
        rel = self.relative(path)
        if rel is None or is_ignored(rel):
            return None
        try:
            info = path.stat()
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        doc = self._document(str(rel))
        if doc is not None and doc.status != "removed" and self._same_as_last(doc.id, info):
            return None
        try:
            digest, size = self._copy_to_blobs(path)
        except FileNotFoundError:
            return None  # removed while we read it: the deletion event follows
        if doc is not None and doc.status != "removed" and doc.current_hash == digest:
            self._touch_version(doc.id, info)
            return None
        if doc is None:
            moved = self._moved_here(rel, digest)
            if moved is not None:
                return moved
        content = self._content(digest) or self._probe(digest, size, rel)
        return self._record(rel, doc, content, info)

    def _moved_here(self, rel: PurePosixPath, digest: str) -> Change | None:
        """A new path with the content of a document whose file just went away.

        inotify pairs a move only when both folders were watched; a file moved
        into a folder created a moment before arrives as a creation, and its
        old name as a deletion, in either order. The same content, whose old
        file is gone (or was removed seconds ago), is that document moving.
        """
        recent = utc_now_iso(-MOVE_WINDOW_S)
        with self.db.engine.connect() as conn:
            candidates = conn.execute(
                select(_documents.c.path, _documents.c.status, _documents.c.removed_at).where(
                    _documents.c.current_hash == digest
                )
            ).all()
        for candidate in candidates:
            gone = not (self.folder / candidate.path).exists()
            active = candidate.status != "removed"
            just_removed = not active and (candidate.removed_at or "") >= recent
            if gone and (active or just_removed):
                return self._relocate(PurePosixPath(candidate.path), rel)
        return None

    def _copy_to_blobs(self, path: Path) -> tuple[str, int]:
        """Copy ``path`` into the blob store while hashing it, in one read."""
        h = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.blobs, prefix=".incoming-")
        try:
            with path.open("rb") as src, os.fdopen(fd, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    h.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
            digest = h.hexdigest()
            target = self.blob_path(digest)
            if target.exists():
                os.unlink(tmp_name)
            else:
                target.parent.mkdir(exist_ok=True)
                os.replace(tmp_name, target)
            return digest, size
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def _probe(self, digest: str, size: int, rel: PurePosixPath) -> Any:
        blob = self.blob_path(digest)
        with tempfile.TemporaryDirectory(dir=self.work) as work:
            # The worker sees the copy under the file's own extension: the
            # secretary's "PDF endommagé" reads better than "type inconnu".
            named = Path(work) / f"document{rel.suffix.lower()}"
            named.symlink_to(blob)
            result = self.pool.probe(named, Path(work))
            if isinstance(result, Rejection) and result.code in TRANSIENT_CODES:
                raise OSError(f"extraction interrompue : {result.reason}")
            row: dict[str, Any] = {
                "hash": digest,
                "size": size,
                "created_at": utc_now_iso(),
                "text_indexed": False,
            }
            if isinstance(result, Rejection):
                log.info("Refusé : %s — %s", rel, result.reason)
                row.update(
                    kind="unknown",
                    mime="application/octet-stream",
                    status="rejected",
                    reason_code=result.code,
                    reason=result.reason,
                    page_count=0,
                )
            else:
                row.update(_probe_row(result))
                if result.converted_pdf:
                    shutil.move(result.converted_pdf, blob.with_suffix(".pdf"))
        with self.db.writing() as conn:
            if self._content(digest, conn) is None:
                conn.execute(insert(_contents), row)
        return self._content(digest)

    def _record(self, rel: PurePosixPath, doc: Any, content: Any, info: os.stat_result) -> Change:
        now = utc_now_iso()
        placement = classify(rel)
        status = "viewable" if content.status == "viewable" else "rejected"
        values = {
            **_placement_row(placement),
            "title": title_from_name(rel),
            "status": status,
            "current_hash": content.hash,
            "updated_at": now,
            "removed_at": None,
        }
        with self.db.writing() as conn:
            if doc is None:
                inserted = conn.execute(
                    insert(_documents).values(path=str(rel), created_at=now, **values)
                ).inserted_primary_key
                assert inserted is not None
                doc_id = inserted[0]
                kind = "added"
            else:
                doc_id = doc.id
                conn.execute(update(_documents).where(_documents.c.id == doc_id).values(**values))
                kind = "added" if doc.status == "removed" else "updated"
            conn.execute(
                insert(_versions).values(
                    document_id=doc_id,
                    hash=content.hash,
                    size=content.size,
                    mtime=info.st_mtime,
                    seen_at=now,
                )
            )
            if status == "rejected":
                kind = "rejected"
            event = self.feed.append(conn, f"document.{kind}", self._payload(conn, int(doc_id)))
        self.feed.publish([event])
        return Change(kind, str(rel), int(doc_id), str(values["title"]), content.reason)

    # --- text --------------------------------------------------------------

    def pending_texts(self) -> list[str]:
        """Contents shown but not yet searchable, oldest first."""
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(_contents.c.hash)
                .where(_contents.c.status == "viewable", _contents.c.text_indexed.is_(False))
                .order_by(_contents.c.created_at)
            )
            return [r.hash for r in rows]

    def index_text(self, digest: str) -> list[Event]:
        """Extract and index the text of every page of one content."""
        result = self.pool.texts(self.viewable_path(digest))
        if isinstance(result, Rejection) and result.code in TRANSIENT_CODES:
            raise OSError(f"extraction interrompue : {result.reason}")
        texts = [] if isinstance(result, Rejection) else result
        if isinstance(result, Rejection):
            log.warning("Texte non extrait de %s : %s", digest[:12], result.reason)
        events: list[Event] = []
        with self.db.writing() as conn:
            index_content(conn, digest, texts)
            conn.execute(
                update(_contents).where(_contents.c.hash == digest).values(text_indexed=True)
            )
            docs = conn.execute(
                select(_documents.c.id).where(
                    _documents.c.current_hash == digest, _documents.c.status != "removed"
                )
            ).all()
            for (doc_id,) in docs:
                events.append(
                    self.feed.append(conn, "document.indexed", self._payload(conn, doc_id))
                )
        self.feed.publish(events)
        return events

    # --- removal and moves -------------------------------------------------

    def remove(self, path: Path) -> Change | None:
        """Mark the document removed; its versions stay for the sessions that used it."""
        rel = self.relative(path)
        if rel is None:
            return None
        doc = self._document(str(rel))
        if doc is None or doc.status == "removed":
            return None
        now = utc_now_iso()
        with self.db.writing() as conn:
            conn.execute(
                update(_documents)
                .where(_documents.c.id == doc.id)
                .values(status="removed", removed_at=now, updated_at=now)
            )
            event = self.feed.append(conn, "document.removed", self._payload(conn, doc.id))
        self.feed.publish([event])
        return Change("removed", str(rel), doc.id, doc.title)

    def remove_tree(self, path: Path) -> list[Change]:
        """A folder was deleted: every document under it is removed."""
        rel = self.relative(path)
        if rel is None:
            return []
        prefix = f"{rel}/"
        with self.db.engine.connect() as conn:
            paths = [
                r.path
                for r in conn.execute(
                    select(_documents.c.path).where(
                        _documents.c.path.startswith(prefix, autoescape=True),
                        _documents.c.status != "removed",
                    )
                )
            ]
        changes = [self.remove(self.folder / p) for p in paths]
        return [c for c in changes if c is not None]

    def move(self, src: Path, dst: Path) -> list[Change]:
        """A rename or move inside the folder (or an atomic save onto ``dst``)."""
        src_rel, dst_rel = self.relative(src), self.relative(dst)
        doc = self._document(str(src_rel)) if src_rel is not None else None
        wanted = dst_rel is not None and not is_ignored(dst_rel)
        if doc is None or doc.status == "removed" or not wanted or dst_rel is None:
            # A temporary name renamed to its final one, or a document moved away.
            changes = [self.remove(src)] if doc is not None else []
            if wanted:
                changes.append(self.ingest(dst))
            return [c for c in changes if c is not None]
        if self._document(str(dst_rel)) is not None:
            changes = [self.remove(src), self.ingest(dst)]
            return [c for c in changes if c is not None]
        moved = self._relocate(PurePosixPath(str(src_rel)), dst_rel)
        # The content may have changed on the way (a save by rename).
        update_change = self.ingest(dst)
        return [moved] + ([update_change] if update_change else [])

    def _relocate(self, src_rel: PurePosixPath, dst_rel: PurePosixPath) -> Change:
        """Give the document at ``src_rel`` its new path (and place), same identity."""
        doc = self._document(str(src_rel))
        assert doc is not None
        now = utc_now_iso()
        with self.db.writing() as conn:
            content_status = conn.execute(
                select(_contents.c.status).where(_contents.c.hash == doc.current_hash)
            ).scalar()
            conn.execute(
                update(_documents)
                .where(_documents.c.id == doc.id)
                .values(
                    path=str(dst_rel),
                    title=title_from_name(dst_rel),
                    status="viewable" if content_status == "viewable" else "rejected",
                    removed_at=None,
                    updated_at=now,
                    **_placement_row(classify(dst_rel)),
                )
            )
            event = self.feed.append(
                conn, "document.moved", {**self._payload(conn, doc.id), "from": str(src_rel)}
            )
        self.feed.publish([event])
        return Change("moved", str(dst_rel), doc.id, title_from_name(dst_rel))

    # --- full scan ---------------------------------------------------------

    def files(self) -> list[Path]:
        """Every file of the folder that may be a document (hidden folders skipped)."""
        found: list[Path] = []
        for root, dirs, names in os.walk(self.folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                path = Path(root) / name
                if self.wants(path):
                    found.append(path)
        return found

    def reconcile(self, index_texts: bool = True) -> ScanReport:
        """Bring the store in line with the folder (files added, changed or
        removed while the table was off)."""
        report = ScanReport()
        seen: set[str] = set()
        for path in self.files():
            rel = self.relative(path)
            if rel is None:
                continue
            seen.add(str(rel))
            report.record(self.ingest(path))
        with self.db.engine.connect() as conn:
            active = [
                r.path
                for r in conn.execute(
                    select(_documents.c.path).where(_documents.c.status != "removed")
                )
            ]
        for rel_path in active:
            if rel_path not in seen:
                report.record(self.remove(self.folder / rel_path))
        if index_texts:
            for digest in self.pending_texts():
                self.index_text(digest)
                report.indexed += 1
        return report

    # --- reading -----------------------------------------------------------

    def document(self, document_id: int) -> dict[str, Any] | None:
        with self.db.engine.connect() as conn:
            row = conn.execute(_DESCRIBED.where(_documents.c.id == document_id)).first()
            return None if row is None else _described(row)

    def documents(self, include_removed: bool = False) -> list[dict[str, Any]]:
        """Every document listed, sorted by path: one query."""
        with self.db.engine.connect() as conn:
            return self._documents(conn, include_removed)

    def snapshot(self) -> tuple[list[DocumentInfo], int]:
        """Every document (removed ones too) and the feed's last event, read in
        one transaction: a ``DocumentCatalog`` starts from it and follows the
        feed from that event on. For a worker thread."""
        with self.db.engine.connect() as conn, conn.begin():
            seq = int(conn.execute(_LAST_FEED_EVENT).scalar() or 0)
            docs = self._documents(conn, include_removed=True)
        return cast(list[DocumentInfo], docs), seq

    @staticmethod
    def _documents(conn: Connection, include_removed: bool) -> list[dict[str, Any]]:
        query = _DESCRIBED.order_by(_documents.c.path)
        if not include_removed:
            query = query.where(_documents.c.status != "removed")
        return [_described(row) for row in conn.execute(query)]

    def versions(self, document_id: int) -> list[dict[str, Any]]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(_versions)
                .where(_versions.c.document_id == document_id)
                .order_by(_versions.c.id)
            )
            return [
                {"hash": r.hash, "size": r.size, "mtime": r.mtime, "seen_at": r.seen_at}
                for r in rows
            ]

    def thumbnail(self, content_hash: str) -> bytes | None:
        with self.db.engine.connect() as conn:
            return conn.execute(
                select(_contents.c.thumbnail).where(_contents.c.hash == content_hash)
            ).scalar()

    # --- internals ---------------------------------------------------------

    def _document(self, rel: str) -> Any:
        with self.db.engine.connect() as conn:
            return conn.execute(select(_documents).where(_documents.c.path == rel)).first()

    def _content(self, digest: str, conn: Connection | None = None) -> Any:
        query = select(_contents).where(_contents.c.hash == digest)
        if conn is not None:
            return conn.execute(query).first()
        with self.db.engine.connect() as own:
            return own.execute(query).first()

    def _same_as_last(self, doc_id: int, info: os.stat_result) -> bool:
        with self.db.engine.connect() as conn:
            last = conn.execute(
                select(_versions.c.size, _versions.c.mtime)
                .where(_versions.c.document_id == doc_id)
                .order_by(_versions.c.id.desc())
                .limit(1)
            ).first()
        return last is not None and last.size == info.st_size and last.mtime == info.st_mtime

    def _touch_version(self, doc_id: int, info: os.stat_result) -> None:
        """Same content, new time stamp: remember it so the next scan skips the hash."""
        with self.db.writing() as conn:
            last_id = conn.execute(
                select(_versions.c.id)
                .where(_versions.c.document_id == doc_id)
                .order_by(_versions.c.id.desc())
                .limit(1)
            ).scalar()
            conn.execute(
                update(_versions).where(_versions.c.id == last_id).values(mtime=info.st_mtime)
            )

    def _payload(self, conn: Connection, document_id: int) -> dict[str, Any]:
        return _described(conn.execute(_DESCRIBED.where(_documents.c.id == document_id)).one())


#: A document with its current content's description: one join.
_DESCRIBED = select(
    _documents,
    _contents.c.kind,
    _contents.c.page_count,
    _contents.c.reason,
    _contents.c.text_indexed,
    _contents.c.title.label("content_title"),
    _contents.c.mime,
).join(_contents, _contents.c.hash == _documents.c.current_hash)


def _described(row: Any) -> dict[str, Any]:
    """A document as the feed's payloads and the views describe it (``DocumentInfo``)."""
    placement = classify(PurePosixPath(row.path))
    return {
        "document_id": row.id,
        "path": row.path,
        "title": row.title,
        "content_title": row.content_title,
        "category": row.category,
        "label": placement.label,
        "session_date": row.session_date,
        "item_position": row.item_position,
        "item_title": row.item_title,
        "archive_year": row.archive_year,
        "archive_date": row.archive_date,
        "commission": row.commission,
        "status": row.status,
        "reason": row.reason,
        "kind": row.kind,
        "mime": row.mime,
        "page_count": row.page_count,
        "text_indexed": bool(row.text_indexed),
        "hash": row.current_hash,
        "updated_at": row.updated_at,
    }


def _probe_row(probe: Probe) -> dict[str, Any]:
    return {
        "kind": probe.kind,
        "mime": probe.mime,
        "status": "viewable",
        "reason_code": None,
        "reason": None,
        "page_count": probe.page_count,
        "title": probe.title,
        "thumbnail": probe.thumbnail_png,
    }


def _placement_row(placement: Placement) -> dict[str, Any]:
    return {
        "category": placement.category,
        "session_date": placement.session_date,
        "item_position": placement.item_position,
        "item_title": placement.item_title,
        "archive_year": placement.archive_year,
        "archive_date": placement.archive_date,
        "commission": placement.commission,
    }
