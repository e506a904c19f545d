"""near duplicates: a MinHash signature per top-level document, its LSH bands, groups with a pivot

Revision ID: 0020_near_duplicates
Revises: 0019_threads
Create Date: 2026-12-04 02:36:36.158936

The band table is what an arriving document is looked up in (its primary key starts
with the band), so grouping is incremental on SQLite and PostgreSQL alike.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '0020_near_duplicates'
down_revision: str | None = '0019_threads'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('near_duplicate_bands',
    sa.Column('band', sa.BigInteger(), nullable=False),
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_near_duplicate_bands_document_id_documents')),
    sa.PrimaryKeyConstraint('band', 'document_id', name=op.f('pk_near_duplicate_bands'))
    )
    with op.batch_alter_table('near_duplicate_bands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_near_duplicate_bands_document_id'), ['document_id'], unique=False)

    op.create_table('near_duplicate_groups',
    sa.Column('pivot_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pivot_id'], ['documents.id'], name=op.f('fk_near_duplicate_groups_pivot_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_near_duplicate_groups')),
    sa.UniqueConstraint('pivot_id', name=op.f('uq_near_duplicate_groups_pivot_id'))
    )
    op.create_table('near_duplicates',
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.Column('group_id', sa.Uuid(), nullable=True),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('scheme', sa.String(length=40), nullable=False),
    sa.Column('signature', sa.LargeBinary(), nullable=False),
    sa.Column('text_length', sa.Integer(), nullable=False),
    sa.Column('assigned_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_near_duplicates_document_id_documents')),
    sa.ForeignKeyConstraint(['group_id'], ['near_duplicate_groups.id'], name=op.f('fk_near_duplicates_group_id_near_duplicate_groups')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_near_duplicates'))
    )
    with op.batch_alter_table('near_duplicates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_near_duplicates_group_id'), ['group_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('near_duplicates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_near_duplicates_group_id'))

    op.drop_table('near_duplicates')
    op.drop_table('near_duplicate_groups')
    with op.batch_alter_table('near_duplicate_bands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_near_duplicate_bands_document_id'))

    op.drop_table('near_duplicate_bands')
