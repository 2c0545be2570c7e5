"""Full-text search: FTS5 indexes over the page texts and the deliberation texts.

``pages_fts`` is an *external content* FTS5 table over ``pages.text``: the
text is stored once (in ``pages``), the index holds only the terms, as a
contentless table would, but ``snippet()`` works (FTS5 reads the text back
from ``pages`` by rowid) and rows can be deleted (a contentless table can do
neither before SQLite 3.43). Triggers keep it in step with every insert,
update and delete on ``pages``, whoever writes them. ``detail=full``
(positions) is kept: phrase queries need it, and with ``detail=column`` or
``none`` bm25 re-tokenizes every ranked page to count occurrences, ten times
slower on a common word (bench/search_bench.py, 200,000 pages; the figures
are in sync/search.py).

``search_terms`` lists every word of the pages with the number of pages
holding it: the search completes the word being typed from it (an FTS5 prefix
query on a common stem costs far more, see sync/search.py).

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
    # Every indexed word and how many pages hold it, for the completion of the
    # word being typed (kept by sync.search.index_content).
    """CREATE TABLE search_terms (
        term TEXT PRIMARY KEY NOT NULL, pages INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE VIRTUAL TABLE temp.pages_fts_vocab USING fts5vocab(main, pages_fts, row)",
    "INSERT INTO search_terms (term, pages) SELECT term, doc FROM temp.pages_fts_vocab",
    "DROP TABLE temp.pages_fts_vocab",
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
    "DROP TABLE IF EXISTS search_terms",
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
    )
    op.create_index(
        "ix_deliberation_texts_item", "deliberation_texts", ["session_id", "item_id"], unique=True
    )
    if _is_sqlite():
        for statement in SQLITE_UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if _is_sqlite():
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    op.drop_index("ix_deliberation_texts_item", table_name="deliberation_texts")
    op.drop_table("deliberation_texts")
