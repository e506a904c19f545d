"""retention: schedules per record class, purge runs, purged dedup keys, documents.record_class

Every document gets the record class of its family's top-level document (e-mail or
voicemail by its kind). documents is altered in place on both backends: rebuilding it
on SQLite would drop the triggers that keep held documents.

Revision ID: 0014_retention
Revises: 0013_hold_notices
Create Date: 2026-12-02 06:10:41
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '0014_retention'
down_revision: str | None = '0013_hold_notices'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('retention_runs',
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('families_purged', sa.Integer(), nullable=False),
    sa.Column('documents_purged', sa.Integer(), nullable=False),
    sa.Column('families_held', sa.Integer(), nullable=False),
    sa.Column('certificate_path', sa.String(length=500), nullable=False),
    sa.Column('certificate_sha256', sa.String(length=64), nullable=False),
    sa.Column('schedules', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )
    op.create_table('retention_schedules',
    sa.Column('record_class', sa.String(length=64), nullable=False),
    sa.Column('days', sa.Integer(), nullable=True),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('record_class', name=op.f('pk_retention_schedules'))
    )
    op.create_table('purged_documents',
    sa.Column('dedup_key', sa.String(length=64), nullable=False),
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.Column('purged_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['retention_runs.id'], name=op.f('fk_purged_documents_run_id_retention_runs')),
    sa.PrimaryKeyConstraint('dedup_key', name=op.f('pk_purged_documents'))
    )
    op.create_index(op.f('ix_purged_documents_run_id'), 'purged_documents', ['run_id'],
                    unique=False)

    # In place (ALTER TABLE ADD COLUMN on both backends), never a batch rebuild.
    op.add_column('documents', sa.Column('record_class', sa.String(length=64),
                                         server_default='email', nullable=False))
    op.create_index(op.f('ix_documents_record_class'), 'documents', ['record_class'],
                    unique=False)
    # Backfill: the head's class by its kind, then every member takes its head's.
    op.execute("UPDATE documents SET record_class = 'voicemail' WHERE kind = 'voicemail' "
               "AND parent_id IS NULL")
    op.execute("UPDATE documents SET record_class = (SELECT head.record_class FROM documents "
               "AS head WHERE head.id = documents.family_id) WHERE parent_id IS NOT NULL "
               "AND EXISTS (SELECT 1 FROM documents AS head WHERE head.id = documents.family_id)")


def downgrade() -> None:
    op.drop_index(op.f('ix_documents_record_class'), table_name='documents')
    # SQLite 3.35+ drops a column in place; a batch rebuild would lose the hold triggers.
    op.execute("ALTER TABLE documents DROP COLUMN record_class")
    op.drop_index(op.f('ix_purged_documents_run_id'), table_name='purged_documents')
    op.drop_table('purged_documents')
    op.drop_table('retention_schedules')
    op.drop_table('retention_runs')
