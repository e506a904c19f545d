"""Ingest jobs as people see them: the list, and those still at work."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.models import IngestJob, JobStatus

AT_WORK = (JobStatus.queued, JobStatus.running)


def listing(statuses: tuple[JobStatus, ...] = ()) -> Select[IngestJob]:
    """Ingest jobs, newest first; only those in `statuses` when given."""
    query = select(IngestJob).order_by(IngestJob.created_at.desc(), IngestJob.id)
    return query.where(IngestJob.status.in_(statuses)) if statuses else query
