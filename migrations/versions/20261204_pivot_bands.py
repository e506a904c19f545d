"""near duplicates: only a pivot's LSH bands are kept

Revision ID: 0021_pivot_bands
Revises: 0020_near_duplicates
Create Date: 2026-12-04 19:40:00

An arriving document is compared with pivots only, so a member's bands found nothing
its pivot's did not; they are dropped, and ingest no longer writes them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0021_pivot_bands'
down_revision: str | None = '0020_near_duplicates'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM near_duplicate_bands WHERE document_id NOT IN "
               "(SELECT pivot_id FROM near_duplicate_groups)")


def downgrade() -> None:
    """Nothing to restore: `custodia near-duplicates rebuild` forms every group again."""
