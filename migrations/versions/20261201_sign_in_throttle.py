"""sign-in throttle: failed sign-ins and lock-outs

Revision ID: 0004_sign_in_throttle
Revises: 0003_saved_searches
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0004_sign_in_throttle"
down_revision: str | None = "0003_saved_searches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client_address", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index("ix_sign_in_failures_client_address", "sign_in_failures",
                    ["client_address", "occurred_at"], unique=False)
    op.create_index(op.f("ix_sign_in_failures_occurred_at"), "sign_in_failures", ["occurred_at"],
                    unique=False)
    op.create_index("ix_sign_in_failures_username", "sign_in_failures",
                    ["username", "occurred_at"], unique=False)
    op.create_table(
        "sign_in_lockouts",
        sa.Column("kind", sa.Enum("username", "address", name="lock_kind", native_enum=False,
                                  length=16), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_lockouts")),
        sa.UniqueConstraint("kind", "subject", name=op.f("uq_sign_in_lockouts_kind")),
    )
    op.create_index(op.f("ix_sign_in_lockouts_locked_until"), "sign_in_lockouts", ["locked_until"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_lockouts_locked_until"), table_name="sign_in_lockouts")
    op.drop_table("sign_in_lockouts")
    op.drop_index("ix_sign_in_failures_username", table_name="sign_in_failures")
    op.drop_index(op.f("ix_sign_in_failures_occurred_at"), table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_client_address", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
