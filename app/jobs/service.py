"""The background job queue as people see it: which jobs, newest first."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.models import Job, JobState


def listing(status: JobState | None = None, kind: str | None = None) -> Select[Job]:
    """Jobs, newest first; `status=dead` is the dead-letter list."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id)
    if status is not None:
        query = query.where(Job.status == status)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return query
