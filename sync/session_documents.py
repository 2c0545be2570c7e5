"""The documents of a session, as its convocation lists them.

The files of ``Séances/<date>/`` in the document folder (any spelling the
folder convention accepts: ``sync.classify``), each with its point, size and
SHA-256, and its page count when the table has already ingested that content
(the PDFs from outside are parsed by the ingest's bounded workers, never
here). Left out: temporary and hidden files, the councillors' proposals
waiting in ``Propositions/``, and an earlier convocation at the session's top.
The domain (``table_app.convocation``) gets this list from its caller.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from sqlalchemy import select

from sync.classify import classify, fold, is_ignored, parse_date
from table_app.convocation.model import SessionDocument
from table_app.store import Database
from table_app.store.models import Content

#: Sub-folders of a session's folder that hold no document of the convocation.
NOT_DOCUMENTS = frozenset({"propositions", "proposition"})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _session_folders(folder: Path, session_date: str) -> list[Path]:
    found: list[Path] = []
    try:
        tops = [p for p in folder.iterdir() if p.is_dir() and fold(p.name) in ("seances", "seance")]
    except OSError:
        return found
    for top in tops:
        for day in sorted(top.iterdir()):
            parsed = parse_date(day.name)
            if day.is_dir() and parsed is not None and parsed.isoformat() == session_date:
                found.append(day)
    return found


def _pages(db: Database | None, digests: list[str]) -> dict[str, int]:
    if db is None or not digests:
        return {}
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(Content.hash, Content.page_count).where(Content.hash.in_(digests))
        ).all()
    return {str(h): int(n) for h, n in rows if n}


def session_documents(
    folder: Path, session_date: str, db: Database | None = None
) -> list[SessionDocument]:
    """The files of the session of ``session_date`` (AAAA-MM-JJ), by point then path."""
    files: list[tuple[str, Path, int | None]] = []
    for day in _session_folders(folder, session_date):
        for path in sorted(day.rglob("*")):
            if not path.is_file():
                continue
            rel = PurePosixPath(path.relative_to(folder).as_posix())
            inside = rel.parts[2:-1]  # the folders under Séances/<date>/
            if is_ignored(rel) or any(fold(part) in NOT_DOCUMENTS for part in inside):
                continue
            placement = classify(rel)
            if placement.session_date != session_date:
                continue
            if not inside and fold(path.stem).startswith("convocation"):
                continue  # an earlier convocation is not one of its own documents
            files.append((rel.as_posix(), path, placement.item_position))
    digests = {rel: _sha256(path) for rel, path, _ in files}
    pages = _pages(db, sorted(set(digests.values())))
    documents = [
        SessionDocument(
            path=rel,
            size=path.stat().st_size,
            sha256=digests[rel],
            pages=pages.get(digests[rel]),
            item_position=position,
        )
        for rel, path, position in files
    ]
    documents.sort(key=lambda d: (d.item_position or 0, d.path))
    return documents


__all__ = ["session_documents"]
