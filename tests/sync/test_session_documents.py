"""The documents the convocation lists: the session's folder, read as the folder convention says."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import insert

from sync.session_documents import session_documents
from table_app.store import open_database
from table_app.store.models import Content


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_the_files_of_the_session_with_their_point_and_sha256(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    budget = b"%PDF-1.4 budget"
    for rel, data in {
        "SÉANCES/28.11.2026/02 - Budget/budget.pdf": budget,
        "SÉANCES/28.11.2026/Point 3 : Toiture/devis.jpg": b"\xff\xd8 devis",
        "SÉANCES/28.11.2026/Ordre du jour détaillé.pdf": b"%PDF ordre",
        # Not documents of this convocation:
        "SÉANCES/28.11.2026/convocation.pdf": b"%PDF ancienne convocation",
        "SÉANCES/28.11.2026/Propositions/Olivier Dumas - Stade.txt": b"Objet : stade",
        "SÉANCES/28.11.2026/02 - Budget/~$budget.docx": b"lock",
        "SÉANCES/28.11.2026/02 - Budget/.budget.pdf.part": b"partial",
        "SÉANCES/2026-12-12/01 - Autre/autre.pdf": b"%PDF autre",
        "Archives/2025/2025-11-28/deliberation.pdf": b"%PDF archive",
        "Élus/Sylvie Garnier/Convocations/2026-11-28_convocation.pdf": b"%PDF envoyee",
    }.items():
        _write(root, rel, data)
    documents = session_documents(root, "2026-11-28")
    assert [(d.item_position, d.path) for d in documents] == [
        (None, "SÉANCES/28.11.2026/Ordre du jour détaillé.pdf"),
        (2, "SÉANCES/28.11.2026/02 - Budget/budget.pdf"),
        (3, "SÉANCES/28.11.2026/Point 3 : Toiture/devis.jpg"),
    ]
    first = documents[1]
    assert first.sha256 == hashlib.sha256(budget).hexdigest()
    assert first.size == len(budget)
    assert first.name == "budget.pdf"
    assert first.pages is None  # not ingested yet: the table does not parse it here
    assert session_documents(root, "2027-01-01") == []
    assert session_documents(tmp_path / "absent", "2026-11-28") == []


def test_the_page_count_comes_from_what_the_table_ingested(tmp_path: Path) -> None:
    root = tmp_path / "documents"
    budget = b"%PDF-1.4 budget de 120 pages"
    _write(root, "Séances/2026-11-28/02 - Budget/budget.pdf", budget)
    db = open_database(f"sqlite:///{tmp_path / 'conseil.sqlite3'}")
    try:
        with db.writing() as conn:
            conn.execute(
                insert(Content),
                {
                    "hash": hashlib.sha256(budget).hexdigest(),
                    "size": len(budget),
                    "kind": "pdf",
                    "mime": "application/pdf",
                    "status": "viewable",
                    "page_count": 120,
                    "created_at": "2026-11-20T10:00:00+00:00",
                },
            )
        (document,) = session_documents(root, "2026-11-28", db)
        assert document.pages == 120
    finally:
        db.dispose()
