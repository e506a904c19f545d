"""saved searches

Revision ID: 0003_saved_searches
Revises: 0002_documents_ingest
Create Date: 2026-11-29 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0003_saved_searches"
down_revision: str | None = "0002_documents_ingest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_searches",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("hit_count", sa.Integer(), nullable=False),
        sa.Column("family_count", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_saved_searches_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    op.create_index(op.f("ix_saved_searches_created_by_id"), "saved_searches", ["created_by_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_searches_created_by_id"), table_name="saved_searches")
    op.drop_table("saved_searches")
