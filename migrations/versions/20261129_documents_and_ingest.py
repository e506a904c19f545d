"""documents and ingest

Revision ID: 0002_documents_ingest
Revises: 0001_foundation
Create Date: 2026-11-29 00:56:28.777196
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0002_documents_ingest"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "imap_folder_states",
        sa.Column("account", sa.String(length=500), nullable=False),
        sa.Column("folder", sa.String(length=1000), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imap_folder_states")),
        sa.UniqueConstraint("account", "folder", name=op.f("uq_imap_folder_states_account")),
    )
    op.create_table(
        "ingest_jobs",
        sa.Column("custodian", sa.String(length=200), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "done", "failed", name="job_status", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=False),
        sa.Column("lease_expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("checkpoint", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_jobs")),
    )
    with op.batch_alter_table("ingest_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_jobs_status"), ["status"], unique=False)

    op.create_table(
        "documents",
        sa.Column(
            "kind",
            sa.Enum("email", "voicemail", "attachment", name="document_kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=64), nullable=True),
        sa.Column("blob_sha256", sa.String(length=64), nullable=True),
        sa.Column("native_format", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("sender", sa.JSON(), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("date_header", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=False),
        sa.Column("in_reply_to", sa.String(length=500), nullable=False),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=False),
        sa.Column("voicemail", sa.JSON(), nullable=True),
        sa.Column(
            "text_status",
            sa.Enum("ok", "empty", "failed", name="text_status", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("extract_error", sa.Text(), nullable=False),
        sa.Column("extract_attempts", sa.Integer(), nullable=False),
        sa.Column("indexed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("index_error", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name=op.f("fk_documents_blob_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["documents.id"], name=op.f("fk_documents_parent_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_documents_dedup_key")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_documents_pending_index", ["indexed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "document_texts",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("extractor", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_texts_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_texts")),
    )
    op.create_table(
        "ingest_errors",
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("custodian", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("folder", sa.String(length=1000), nullable=False),
        sa.Column("source_id", sa.String(length=1000), nullable=False),
        sa.Column("native_sha256", sa.String(length=64), nullable=True),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_ingest_errors_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["ingest_jobs.id"], name=op.f("fk_ingest_errors_job_id_ingest_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["native_sha256"], ["blobs.sha256"], name=op.f("fk_ingest_errors_native_sha256_blobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_errors")),
    )
    with op.batch_alter_table("ingest_errors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_errors_job_id"), ["job_id"], unique=False)

    op.create_table(
        "locations",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("custodian", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("folder", sa.String(length=1000), nullable=False),
        sa.Column("source_id", sa.String(length=1000), nullable=False),
        sa.Column("native_sha256", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_locations_document_id_documents")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["ingest_jobs.id"], name=op.f("fk_locations_job_id_ingest_jobs")),
        sa.ForeignKeyConstraint(
            ["native_sha256"], ["blobs.sha256"], name=op.f("fk_locations_native_sha256_blobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("custodian", "source", "source_id", name=op.f("uq_locations_custodian")),
    )
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_locations_custodian"), ["custodian"], unique=False)
        batch_op.create_index(batch_op.f("ix_locations_document_id"), ["document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_locations_document_id"))
        batch_op.drop_index(batch_op.f("ix_locations_custodian"))

    op.drop_table("locations")
    with op.batch_alter_table("ingest_errors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_errors_job_id"))

    op.drop_table("ingest_errors")
    op.drop_table("document_texts")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_thread_id"))
        batch_op.drop_index(batch_op.f("ix_documents_sent_at"))
        batch_op.drop_index("ix_documents_pending_index")
        batch_op.drop_index(batch_op.f("ix_documents_parent_id"))
        batch_op.drop_index(batch_op.f("ix_documents_message_id"))
        batch_op.drop_index(batch_op.f("ix_documents_family_id"))

    op.drop_table("documents")
    with op.batch_alter_table("ingest_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_jobs_status"))

    op.drop_table("ingest_jobs")
    op.drop_table("imap_folder_states")
    op.drop_table("blobs")
