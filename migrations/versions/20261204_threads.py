"""threads: Outlook's Thread-Index and Thread-Topic on documents, the keys that find a
thread's messages, and each e-mail's inclusive flag

Revision ID: 0019_threads
Revises: 0018_public_bodies
Create Date: 2026-12-04 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_threads'
down_revision: str | None = '0018_public_bodies'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("thread_index", "thread_topic", "conversation_id", "thread_subject", "inclusive")
_INDEXED = ("conversation_id", "thread_subject", "inclusive", "in_reply_to")


def upgrade() -> None:
    # In place (ALTER TABLE ADD COLUMN on both backends), never a batch rebuild: a
    # rebuild would lose the hold triggers on documents.
    op.add_column('documents', sa.Column('thread_index', sa.Text(), server_default='',
                                         nullable=False))
    op.add_column('documents', sa.Column('thread_topic', sa.Text(), server_default='',
                                         nullable=False))
    op.add_column('documents', sa.Column('conversation_id', sa.String(length=32),
                                         server_default='', nullable=False))
    op.add_column('documents', sa.Column('thread_subject', sa.String(length=200),
                                         server_default='', nullable=False))
    op.add_column('documents', sa.Column('inclusive', sa.Boolean(), nullable=True))
    for column in _INDEXED:
        op.create_index(op.f(f'ix_documents_{column}'), 'documents', [column], unique=False)
    # Existing mail keeps its thread id until `custodia threads rebuild` runs.


def downgrade() -> None:
    for column in _INDEXED:
        op.drop_index(op.f(f'ix_documents_{column}'), table_name='documents')
    # SQLite 3.35+ drops a column in place; a batch rebuild would lose the hold triggers.
    for column in _COLUMNS:
        op.execute(f"ALTER TABLE documents DROP COLUMN {column}")
