"""The background job queue as admins see it: the dead-letter list, and retrying a job."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import AdminUser
from app.core import jobs
from app.core.deps import ReadSessionDep, SessionDep
from app.core.pagination import Page, PageDep, paginate
from app.jobs import service
from app.jobs.schemas import BackgroundJobOut
from app.models import Job, JobState

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])


def job_out(job: Job) -> BackgroundJobOut:
    return BackgroundJobOut.model_validate(
        {**{c: getattr(job, c) for c in BackgroundJobOut.model_fields}, "status": job.status.value})


@router.get("", response_model=Page[BackgroundJobOut])
def list_jobs(admin: AdminUser, session: ReadSessionDep, page: PageDep,
              status: Annotated[JobState | None, Query(
                  description="dead: the dead-letter list")] = None,
              kind: Annotated[str | None, Query(max_length=100)] = None,
              ) -> Page[BackgroundJobOut]:
    """Background jobs, newest first; `status=dead` lists those that failed their last attempt."""
    return paginate(session, service.listing(status, kind), page, job_out)


@router.post("/{job_id}/retry", response_model=BackgroundJobOut)
def retry_job(job_id: uuid.UUID, admin: AdminUser, session: SessionDep) -> BackgroundJobOut:
    """Put a dead job back in the queue, its attempts reset (audited as `job.retry`)."""
    return job_out(jobs.retry(session, admin.actor, job_id))
