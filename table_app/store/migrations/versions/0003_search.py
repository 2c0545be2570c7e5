"""Full-text search: FTS5 indexes over the page texts and the deliberation texts.

``pages_fts`` is an *external content* FTS5 table over ``pages.text``: the
text is stored once (in ``pages``), the index holds only the terms, and
``snippet()`` still works because FTS5 reads the text back from ``pages`` by
rowid. Triggers keep it in step with every insert, update and delete on
``pages``, whoever writes them. ``detail=full`` (positions) is kept: phrase
queries need it and bm25 uses the term counts; a benchmark on 200,000 pages
(bench/search_bench.py) showed that the ranking of very common words, not the
index detail, is what costs, and sync/search.py bounds that instead.

``deliberation_texts`` holds the current text of each item of each session
(sync/search.py ``DeliberationIndexer`` keeps it from the session feed), with
its own FTS5 index over title and text, kept by triggers too.

The tokenizer ``unicode61 remove_diacritics 2`` folds case and accents:
"deliberation" finds "délibération", "ECOLE" finds "école".

FTS5 exists on SQLite only: on another backend only ``deliberation_texts`` is
created and the search falls back to ``LIKE`` (see sync/search.py).

Revision ID: 0003_search
Revises: 0002_documents
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_search"
down_revision: str | None = "0002_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZE = "unicode61 remove_diacritics 2"

SQLITE_UPGRADE = [
    f"""CREATE VIRTUAL TABLE pages_fts USING fts5(
        text, content='pages', content_rowid='id', tokenize='{TOKENIZE}', detail=full
    )""",
    """CREATE TRIGGER pages_fts_insert AFTER INSERT ON pages BEGIN
        INSERT INTO pages_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER pages_fts_delete AFTER DELETE ON pages BEGIN
        INSERT INTO pages_fts(pages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER pages_fts_update AFTER UPDATE OF id, text ON pages BEGIN
        INSERT INTO pages_fts(pages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO pages_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    # Pages stored before this revision.
    "INSERT INTO pages_fts(pages_fts) VALUES ('rebuild')",
    f"""CREATE VIRTUAL TABLE deliberation_texts_fts USING fts5(
        title, text, content='deliberation_texts', content_rowid='id', tokenize='{TOKENIZE}'
    )""",
    """CREATE TRIGGER deliberation_texts_fts_insert AFTER INSERT ON deliberation_texts BEGIN
        INSERT INTO deliberation_texts_fts(rowid, title, text)
        VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER deliberation_texts_fts_delete AFTER DELETE ON deliberation_texts BEGIN
        INSERT INTO deliberation_texts_fts(deliberation_texts_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER deliberation_texts_fts_update
    AFTER UPDATE OF id, title, text ON deliberation_texts BEGIN
        INSERT INTO deliberation_texts_fts(deliberation_texts_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO deliberation_texts_fts(rowid, title, text)
        VALUES (new.id, new.title, new.text);
    END""",
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS deliberation_texts_fts_update",
    "DROP TRIGGER IF EXISTS deliberation_texts_fts_delete",
    "DROP TRIGGER IF EXISTS deliberation_texts_fts_insert",
    "DROP TABLE IF EXISTS deliberation_texts_fts",
    "DROP TRIGGER IF EXISTS pages_fts_update",
    "DROP TRIGGER IF EXISTS pages_fts_delete",
    "DROP TRIGGER IF EXISTS pages_fts_insert",
    "DROP TABLE IF EXISTS pages_fts",
]


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.create_table(
        "deliberation_texts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("number", sa.String(32)),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("session_id", "item_id", name="uq_deliberation_texts_item"),
    )
    if _is_sqlite():
        for statement in SQLITE_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if _is_sqlite():
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    op.drop_table("deliberation_texts")
