"""review sets, citations and fees

Revision ID: 0009_review_and_fees
Revises: 0008_cora_clock
Create Date: 2026-12-02 03:00:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0009_review_and_fees"
down_revision: str | None = "0008_cora_clock"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Seeds: rows the city's attorney and administrators edit later (audited), never code.
SEEDED_AT = datetime(2026, 12, 2, tzinfo=UTC)
CORA = date(1968, 7, 1)  # CORA's enactment: each ground's own start date is for the attorney to set
VERIFY = "Seeded from the statute's public summaries; the city attorney confirms the wording."

CITATIONS = [
    ("24-72-204(1)", "mandatory",
     "Disclosure would be contrary to a state statute, federal law or regulation, a court rule "
     "or order, or the rules of the General Assembly"),
    ("24-72-204(2)(a)(I)", "discretionary",
     "Records of investigations, intelligence information and security procedures "
     "(investigatory files), where disclosure is contrary to the public interest"),
    ("24-72-204(2)(a)(II)", "discretionary", "Test questions, scoring keys and examination data"),
    ("24-72-204(2)(a)(III)", "discretionary", "Details of research projects"),
    ("24-72-204(3)(a)(I)", "mandatory",
     "Medical, mental health, sociological and scholastic achievement data on individuals"),
    ("24-72-204(3)(a)(II)(A)", "mandatory",
     "Personnel files (not applications of past or current employees, employment contracts, "
     "or settlement amounts)"),
    ("24-72-204(3)(a)(III)", "mandatory", "Letters of reference"),
    ("24-72-204(3)(a)(IV)", "mandatory",
     "Trade secrets, privileged information, and confidential commercial, financial, "
     "geological or geophysical data"),
    ("24-72-204(3)(a)(V)", "mandatory", "Library and museum material given on condition"),
    ("24-72-204(3)(a)(VI)", "mandatory", "Addresses and telephone numbers of students"),
    ("24-72-204(3)(a)(VII)", "mandatory", "Library user records"),
    ("24-72-204(3)(a)(IX)", "mandatory", "Personal data of public utility customers"),
    ("SSN", "mandatory",
     "Social Security numbers (cited under 24-72-204(3)(a)(IV) and elsewhere: verify the "
     "subsection)"),
    ("deliberative-process", "discretionary",
     "Deliberative process privilege: needs a sworn statement describing each document "
     "withheld (City of Colorado Springs v. White, 967 P.2d 1042 (Colo. 1998)); verify the "
     "subsection"),
    ("24-72-202(6.5)", "discretionary",
     "Work product: excluded from public records by definition"),
]

EMAIL_IS_FREE = "C.R.S. 24-72-205: first hour free; $0.25 a standard page; e-mail free"
# (effective from, hourly cap): re-indexed to the Denver-Aurora-Lakewood CPI every five years.
RATES = [(date(2014, 7, 1), "30.00"), (date(2019, 7, 1), "33.58"), (date(2024, 7, 1), "41.37")]


def _id(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://custodia.city/seed/{kind}/{key}")


def _seed() -> None:
    citations = sa.table(
        "citations", sa.column("id", sa.Uuid()), sa.column("created_at", UTCDateTime()),
        sa.column("code", sa.String()), sa.column("title", sa.Text()),
        sa.column("kind", sa.String()), sa.column("note", sa.Text()),
        sa.column("effective_from", sa.Date()), sa.column("retired_on", sa.Date()),
    )
    op.bulk_insert(citations, [
        {"id": _id("citation", code), "created_at": SEEDED_AT, "code": code, "title": title,
         "kind": kind, "note": VERIFY, "effective_from": CORA, "retired_on": None}
        for code, kind, title in CITATIONS
    ])
    money = sa.Numeric(12, 2)
    schedules = sa.table(
        "fee_schedules", sa.column("id", sa.Uuid()), sa.column("created_at", UTCDateTime()),
        sa.column("effective_from", sa.Date()), sa.column("hourly_rate", money),
        sa.column("free_minutes", sa.Integer()),
        sa.column("billing_increment_minutes", sa.Integer()), sa.column("per_page", money),
        sa.column("electronic_delivery", money), sa.column("minutes_per_document", sa.Integer()),
        sa.column("citation", sa.String()), sa.column("note", sa.Text()),
    )
    op.bulk_insert(schedules, [
        {"id": _id("fee_schedule", start.isoformat()), "created_at": SEEDED_AT,
         "effective_from": start, "hourly_rate": Decimal(rate), "free_minutes": 60,
         "billing_increment_minutes": 1, "per_page": Decimal("0.25"),
         "electronic_delivery": Decimal("0.00"), "minutes_per_document": 2,
         "citation": "C.R.S. 24-72-205", "note": EMAIL_IS_FREE}
        for start, rate in RATES
    ])


def upgrade() -> None:
    op.create_table(
        "citations",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("mandatory", "discretionary", name="citation_kind", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("retired_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citations")),
        sa.UniqueConstraint("code", name=op.f("uq_citations_code")),
    )
    op.create_table(
        "fee_schedules",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("hourly_rate", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("free_minutes", sa.Integer(), nullable=False),
        sa.Column("billing_increment_minutes", sa.Integer(), nullable=False),
        sa.Column("per_page", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("electronic_delivery", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("minutes_per_document", sa.Integer(), nullable=False),
        sa.Column("citation", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedules")),
        sa.UniqueConstraint("effective_from", name=op.f("uq_fee_schedules_effective_from")),
    )
    op.create_table(
        "fee_payments",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("payment", "deposit", name="fee_payment_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "cash",
                "check",
                "card",
                "online",
                "other",
                name="fee_payment_method",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_fee_payments_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["records_requests.id"], name=op.f("fk_fee_payments_request_id_records_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_payments")),
    )
    with op.batch_alter_table("fee_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_payments_request_id"), ["request_id"], unique=False)

    op.create_table(
        "fee_statements",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("is_invoice", sa.Boolean(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column(
            "delivery",
            sa.Enum("email", "portal", "paper", name="fee_delivery", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("issued_by_id", sa.Uuid(), nullable=True),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_fee_statements_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["records_requests.id"],
            name=op.f("fk_fee_statements_request_id_records_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["fee_schedules.id"], name=op.f("fk_fee_statements_schedule_id_fee_schedules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_statements")),
        sa.UniqueConstraint("request_id", "is_invoice", "number", name=op.f("uq_fee_statements_request_id")),
    )
    with op.batch_alter_table("fee_statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_statements_request_id"), ["request_id"], unique=False)

    op.create_table(
        "fee_time_entries",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("clerk_id", sa.Uuid(), nullable=True),
        sa.Column("clerk", sa.String(length=200), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("worked_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clerk_id"], ["users.id"], name=op.f("fk_fee_time_entries_clerk_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["records_requests.id"],
            name=op.f("fk_fee_time_entries_request_id_records_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_time_entries")),
    )
    with op.batch_alter_table("fee_time_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_time_entries_request_id"), ["request_id"], unique=False)

    op.create_table(
        "fee_waivers",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_fee_waivers_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["records_requests.id"], name=op.f("fk_fee_waivers_request_id_records_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_waivers")),
    )
    with op.batch_alter_table("fee_waivers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_waivers_request_id"), ["request_id"], unique=False)

    op.create_table(
        "review_set_items",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("via_family", sa.Boolean(), nullable=False),
        sa.Column("added_by_id", sa.Uuid(), nullable=True),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_review_set_items_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_review_set_items_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["records_requests.id"],
            name=op.f("fk_review_set_items_request_id_records_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_set_items")),
        sa.UniqueConstraint("request_id", "document_id", name=op.f("uq_review_set_items_request_id")),
    )
    with op.batch_alter_table("review_set_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_set_items_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_set_items_request_id"), ["request_id"], unique=False)

    op.create_table(
        "review_tags",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column(
            "tag",
            sa.Enum(
                "responsive",
                "not_responsive",
                "privileged",
                "exempt",
                "needs_redaction",
                name="review_tag",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("citation_id", sa.Uuid(), nullable=True),
        sa.Column("citation_code", sa.String(length=60), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("tagged_by_id", sa.Uuid(), nullable=True),
        sa.Column("tagged_by", sa.String(length=200), nullable=False),
        sa.Column("tagged_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citation_id"], ["citations.id"], name=op.f("fk_review_tags_citation_id_citations")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_review_tags_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["records_requests.id"], name=op.f("fk_review_tags_request_id_records_requests")
        ),
        sa.ForeignKeyConstraint(
            ["tagged_by_id"],
            ["users.id"],
            name=op.f("fk_review_tags_tagged_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_tags")),
        sa.UniqueConstraint("request_id", "document_id", "tag", name=op.f("uq_review_tags_request_id")),
    )
    with op.batch_alter_table("review_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_tags_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_tags_request_id"), ["request_id"], unique=False)

    _seed()


def downgrade() -> None:
    with op.batch_alter_table("review_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_tags_request_id"))
        batch_op.drop_index(batch_op.f("ix_review_tags_document_id"))

    op.drop_table("review_tags")
    with op.batch_alter_table("review_set_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_set_items_request_id"))
        batch_op.drop_index(batch_op.f("ix_review_set_items_document_id"))

    op.drop_table("review_set_items")
    with op.batch_alter_table("fee_waivers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_waivers_request_id"))

    op.drop_table("fee_waivers")
    with op.batch_alter_table("fee_time_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_time_entries_request_id"))

    op.drop_table("fee_time_entries")
    with op.batch_alter_table("fee_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_statements_request_id"))

    op.drop_table("fee_statements")
    with op.batch_alter_table("fee_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_payments_request_id"))

    op.drop_table("fee_payments")
    op.drop_table("fee_schedules")
    op.drop_table("citations")
