"""records requests and the mail outbox

Revision ID: 0006_requests_and_outbox
Revises: 0005_ingest_sources
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0006_requests_and_outbox"
down_revision: str | None = "0005_ingest_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("about_type", sa.String(length=40), nullable=False),
        sa.Column("about_id", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "sent", "failed", name="mail_status", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_outbox_about_id"), ["about_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_outbox_about_type"), ["about_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_outbox_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_mail_outbox_status"), ["status"], unique=False)

    op.create_table(
        "records_requests",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("requester_email", sa.String(length=320), nullable=False),
        sa.Column("requester_contact", sa.Text(), nullable=False),
        sa.Column("requester_organization", sa.String(length=200), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "general", "news_media", "commercial", name="requester_category", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "web",
                "email",
                "mail",
                "phone",
                "in_person",
                name="request_channel",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_to_id", sa.Uuid(), nullable=True),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "in_progress",
                "awaiting_payment",
                "fulfilled",
                "partially_denied",
                "denied",
                "withdrawn",
                "closed",
                name="request_status",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("clock", sa.JSON(), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["users.id"],
            name=op.f("fk_records_requests_assigned_to_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_requests")),
        sa.UniqueConstraint("number", name=op.f("uq_records_requests_number")),
    )
    with op.batch_alter_table("records_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_records_requests_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_records_requests_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_records_requests_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("records_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_records_requests_status"))
        batch_op.drop_index(batch_op.f("ix_records_requests_received_at"))
        batch_op.drop_index(batch_op.f("ix_records_requests_due_date"))

    op.drop_table("records_requests")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_outbox_status"))
        batch_op.drop_index(batch_op.f("ix_mail_outbox_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_mail_outbox_about_type"))
        batch_op.drop_index(batch_op.f("ix_mail_outbox_about_id"))

    op.drop_table("mail_outbox")
