from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from app.auth.deps import ClerkUser
from app.core.deps import ReadSessionDep, SessionDep
from app.core.errors import BadRequest, NotFound
from app.core.pagination import Page, PageDep
from app.ingest.schemas import IngestErrorOut, JobCreate, JobOut
from app.models import IngestError, IngestJob
from ingest import jobs
from ingest.sources.registry import SourceError

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])


def job_out(job: IngestJob) -> JobOut:
    return JobOut.model_validate(
        {**{c: getattr(job, c) for c in JobOut.model_fields}, "status": job.status.value,
         "source": jobs.public_source(job.source)})


@router.post("/jobs", response_model=JobOut, status_code=202)
def create_job(body: JobCreate, clerk: ClerkUser, session: SessionDep) -> JobOut:
    """Queue a source for the workers; the answer is the job to poll."""
    try:
        job = jobs.create_job(session, clerk.actor, body.custodian,
                              body.source.model_dump(exclude_none=True))
    except SourceError as exc:
        raise BadRequest(str(exc)) from None
    return job_out(job)


@router.get("/jobs", response_model=Page[JobOut])
def list_jobs(_: ClerkUser, session: ReadSessionDep, page: PageDep) -> Page[JobOut]:
    total = session.scalar(select(func.count()).select_from(IngestJob)) or 0
    found = session.scalars(select(IngestJob).order_by(IngestJob.created_at.desc())
                            .offset(page.offset).limit(page.limit))
    return Page(items=[job_out(j) for j in found], total=total, **page.model_dump())


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: uuid.UUID, _: ClerkUser, session: ReadSessionDep) -> JobOut:
    job = session.get(IngestJob, job_id)
    if job is None:
        raise NotFound("No ingest job with that id.")
    return job_out(job)


@router.get("/errors", response_model=Page[IngestErrorOut])
def list_errors(
    _: ClerkUser, session: ReadSessionDep, page: PageDep,
    job_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[IngestErrorOut]:
    """Quarantined items: what, from where, and why."""
    query = select(IngestError)
    if job_id is not None:
        query = query.where(IngestError.job_id == job_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = session.scalars(query.order_by(IngestError.created_at)
                            .offset(page.offset).limit(page.limit))
    return Page(items=[IngestErrorOut.model_validate(e, from_attributes=True) for e in found],
                total=total, **page.model_dump())
