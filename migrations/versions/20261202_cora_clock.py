"""the CORA clock: rule sets, city closures, request history, extension and payment dates

Revision ID: 0008_cora_clock
Revises: 0007_job_queue
Create Date: 2026-12-02 02:20:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0008_cora_clock"
down_revision: str | None = "0007_job_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("received", "in_progress", "awaiting_payment", "fulfilled", "partially_denied",
            "denied", "withdrawn", "closed")
# The rule set in force since before Custodia: 3 working days, 7 more on notice (CORA.md).
SEED_RULE_SET = uuid.UUID("6c0f3a52-2b1e-4c1e-9b8e-0c02a0d00001")


def upgrade() -> None:
    op.create_table(
        "city_closures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_closures")),
        sa.UniqueConstraint("day", name=op.f("uq_city_closures_day")),
    )
    rule_sets = op.create_table(
        "clock_rule_sets",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("response_days", sa.Integer(), nullable=False),
        sa.Column("extension_days", sa.Integer(), nullable=False),
        sa.Column("receipt_day_counts", sa.Boolean(), nullable=False),
        sa.Column("business_hours_cutoff", sa.Time(), nullable=True),
        sa.Column("delivery_days", sa.Integer(), nullable=False),
        sa.Column("category_overrides", sa.JSON(), nullable=False),
        sa.Column("citation", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_rule_sets")),
        sa.UniqueConstraint("effective_from", name=op.f("uq_clock_rule_sets_effective_from")),
    )
    op.create_table(
        "request_events",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.Enum(*STATUSES, name="request_event_from", native_enum=False,
                                         length=24), nullable=True),
        sa.Column("to_status", sa.Enum(*STATUSES, name="request_event_to", native_enum=False,
                                       length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["records_requests.id"],
                                name=op.f("fk_request_events_request_id_records_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_events")),
        sa.UniqueConstraint("request_id", "seq", name=op.f("uq_request_events_request_id")),
    )
    with op.batch_alter_table("request_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_events_request_id"), ["request_id"], unique=False)

    with op.batch_alter_table("records_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rule_set_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("extended_due_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("extension_noticed_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("extension_reason", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("paid_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivery_due_date", sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_records_requests_rule_set_id_clock_rule_sets"),
                                    "clock_rule_sets", ["rule_set_id"], ["id"], ondelete="RESTRICT")

    op.bulk_insert(rule_sets, [{
        "id": SEED_RULE_SET,
        "effective_from": date(1900, 1, 1),
        "response_days": 3,
        "extension_days": 7,
        "receipt_day_counts": False,
        "business_hours_cutoff": None,
        "delivery_days": 3,
        "category_overrides": {},
        "citation": "C.R.S. 24-72-203; delivery after payment: 24-72-205(1)(b) (verify)",
        "note": ("Records readily available are due within 3 working days, the day of receipt "
                 "not counted; up to 7 more working days where extenuating circumstances exist, "
                 "noticed within the original period. After payment, records are due within 3 "
                 "working days (subsection to verify). HB24-1296 was postponed indefinitely and "
                 "SB25-077 vetoed (17 April 2025): 3 + 7 stands. No business-hours cutoff is "
                 "assumed; set one if city policy has it."),
        "added_by": "migration 0008_cora_clock",
        "created_at": datetime(2026, 12, 2, tzinfo=UTC),
    }])


def downgrade() -> None:
    with op.batch_alter_table("records_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_records_requests_rule_set_id_clock_rule_sets"),
                                 type_="foreignkey")
        batch_op.drop_column("delivery_due_date")
        batch_op.drop_column("paid_at")
        batch_op.drop_column("extension_reason")
        batch_op.drop_column("extension_noticed_at")
        batch_op.drop_column("extended_due_date")
        batch_op.drop_column("rule_set_id")

    with op.batch_alter_table("request_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_events_request_id"))

    op.drop_table("request_events")
    op.drop_table("clock_rule_sets")
    op.drop_table("city_closures")
