"""ingest jobs run on the one job queue: a queue job holds the lease, not the ingest job

Each ingest job names the queue job (kind "ingest") that runs it; the lease
columns move to that queue job. Ingest jobs still waiting or running when this runs
get a queue job each, so an upgrade loses none of them.

Revision ID: 0011_ingest_on_the_job_queue
Revises: 0010_letters
Create Date: 2026-12-02 06:20:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.models.base import UTCDateTime

revision: str = "0011_ingest_on_the_job_queue"
down_revision: str | None = "0010_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INGEST_ATTEMPTS = 5  # ingest.jobs.MAX_ATTEMPTS when this was written

ingest_jobs = sa.table("ingest_jobs", sa.column("id", sa.Uuid()), sa.column("status", sa.String),
                       sa.column("queue_job_id", sa.Uuid()))
jobs = sa.table(
    "jobs", sa.column("id", sa.Uuid()), sa.column("kind", sa.String),
    sa.column("payload", sa.JSON), sa.column("status", sa.String),
    sa.column("attempts", sa.Integer), sa.column("max_attempts", sa.Integer),
    sa.column("run_after", UTCDateTime()), sa.column("lease_owner", sa.String),
    sa.column("last_error", sa.Text), sa.column("created_at", UTCDateTime()))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Plain ALTER TABLE: a batch copy would drop a table that ingest_errors refers to.
        op.execute("ALTER TABLE ingest_jobs ADD COLUMN queue_job_id CHAR(32)")
        op.execute("ALTER TABLE ingest_jobs DROP COLUMN lease_owner")
        op.execute("ALTER TABLE ingest_jobs DROP COLUMN lease_expires_at")
    else:
        op.add_column("ingest_jobs", sa.Column("queue_job_id", sa.Uuid(), nullable=True))
        op.drop_column("ingest_jobs", "lease_owner")
        op.drop_column("ingest_jobs", "lease_expires_at")
    op.create_index(op.f("ix_ingest_jobs_queue_job_id"), "ingest_jobs", ["queue_job_id"])
    _queue_waiting_ingest_jobs()


def _queue_waiting_ingest_jobs() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    waiting = connection.execute(sa.select(ingest_jobs.c.id).where(
        ingest_jobs.c.status.in_(["queued", "running"]))).scalars().all()
    for ingest_job_id in waiting:
        queue_job_id = uuid.uuid4()
        connection.execute(jobs.insert().values(
            id=queue_job_id, kind="ingest", payload={"ingest_job": str(ingest_job_id)},
            status="queued", attempts=0, max_attempts=INGEST_ATTEMPTS, run_after=now,
            lease_owner="", last_error="", created_at=now))
        connection.execute(ingest_jobs.update().where(ingest_jobs.c.id == ingest_job_id)
                           .values(queue_job_id=queue_job_id))


def downgrade() -> None:
    op.drop_index(op.f("ix_ingest_jobs_queue_job_id"), table_name="ingest_jobs")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE ingest_jobs DROP COLUMN queue_job_id")
        op.execute("ALTER TABLE ingest_jobs ADD COLUMN lease_owner VARCHAR(200) NOT NULL "
                   "DEFAULT ''")
        op.execute("ALTER TABLE ingest_jobs ADD COLUMN lease_expires_at DATETIME")
    else:
        op.add_column("ingest_jobs", sa.Column("lease_owner", sa.String(200), nullable=False,
                                               server_default=""))
        op.add_column("ingest_jobs", sa.Column("lease_expires_at", UTCDateTime(), nullable=True))
        op.drop_column("ingest_jobs", "queue_job_id")
    op.execute(jobs.delete().where(jobs.c.kind == "ingest"))
