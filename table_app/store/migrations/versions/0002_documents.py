"""Documents of the commune's folder: contents, versions, page texts, feed.

Revision ID: 0002_documents
Revises: 0001_journal
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_documents"
down_revision: str | None = "0001_journal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contents",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason_code", sa.String(32)),
        sa.Column("reason", sa.Text()),
        sa.Column("page_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("title", sa.Text()),
        sa.Column("thumbnail", sa.LargeBinary()),
        sa.Column("text_indexed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("path", sa.Text(), nullable=False, unique=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("session_date", sa.String(10)),
        sa.Column("item_position", sa.Integer()),
        sa.Column("item_title", sa.Text()),
        sa.Column("archive_year", sa.Integer()),
        sa.Column("archive_date", sa.String(10)),
        sa.Column("commission", sa.Text()),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_hash", sa.String(64), sa.ForeignKey("contents.hash")),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("removed_at", sa.String(32)),
    )
    op.create_index("ix_documents_hash", "documents", ["current_hash"])
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("hash", sa.String(64), sa.ForeignKey("contents.hash"), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mtime", sa.Float(), nullable=False),
        sa.Column("seen_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_document_versions_document", "document_versions", ["document_id", "id"])
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hash", sa.String(64), sa.ForeignKey("contents.hash"), nullable=False),
        sa.Column("page_no", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_pages_hash_page", "pages", ["hash", "page_no"], unique=True)
    op.create_table(
        "document_feed",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("author", sa.String(32), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_feed")
    op.drop_index("ix_pages_hash_page", table_name="pages")
    op.drop_table("pages")
    op.drop_index("ix_document_versions_document", table_name="document_versions")
    op.drop_table("document_versions")
    op.drop_index("ix_documents_hash", table_name="documents")
    op.drop_table("documents")
    op.drop_table("contents")
