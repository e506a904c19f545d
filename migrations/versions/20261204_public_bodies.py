"""public bodies and their members, for Open Meetings triage

Revision ID: 0018_public_bodies
Revises: 0017_redaction_productions
Create Date: 2026-12-04 02:53:24.929032
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '0018_public_bodies'
down_revision: str | None = '0017_redaction_productions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('public_bodies',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_bodies')),
    sa.UniqueConstraint('name', name=op.f('uq_public_bodies_name'))
    )
    op.create_table('public_body_members',
    sa.Column('body_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('seat', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['public_bodies.id'], name=op.f('fk_public_body_members_body_id_public_bodies')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_public_body_members_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_body_members')),
    sa.UniqueConstraint('body_id', 'person_id', 'starts_on', name=op.f('uq_public_body_members_body_id'))
    )
    with op.batch_alter_table('public_body_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_body_members_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_body_members_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('public_body_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_body_members_person_id'))
        batch_op.drop_index(batch_op.f('ix_public_body_members_body_id'))

    op.drop_table('public_body_members')
    op.drop_table('public_bodies')
