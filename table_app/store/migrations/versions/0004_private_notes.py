"""Private notes: what a councillor writes on a document page at a seat.

One row a note (a stroke of ink, a highlighted rectangle, a text pinned at a
point), keyed by the member who wrote it, the content it was written on (its
SHA-256: a new version of the file is another content, and the notes stay
with the version they were written on, which remains readable) and the page.
``data`` holds the note's geometry and text as canonical JSON, in the page's
points as displayed (origin at the top left).

These rows are not journal events: they are private to their member, shown
to no one else, erased for good when the member erases them, and never part
of an export of the session.

Revision ID: 0004_private_notes
Revises: 0003_search
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_private_notes"
down_revision: str | None = "0003_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "private_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.String(40), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index(
        "ix_private_notes_member_content",
        "private_notes",
        ["member_id", "content_hash", "page_no"],
    )


def downgrade() -> None:
    op.drop_index("ix_private_notes_member_content", table_name="private_notes")
    op.drop_table("private_notes")
