"""The dashboard: what needs this person's attention today. Each section shows only to the
roles whose API would show it: ingest jobs to clerks, the dead-letter list to admins."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core import jobs as queue
from app.core.deps import DatabaseDep
from app.core.pagination import PageParams, paginate
from app.ingest import service as ingest
from app.jobs import service as jobs
from app.models import JobState, Role
from app.ui.deps import AdminStaff, ClerkStaff, Staff
from app.ui.forms import attempt
from app.ui.pages import may, redirect, render

router = APIRouter()
SHOWN = PageParams(offset=0, limit=20)
# htmx stops polling when a poll answers 286: nothing is at work any more
STOP_POLLING = 286


def _ingest_jobs(database: DatabaseDep) -> dict[str, object]:
    with database.reading() as session:
        at_work = paginate(session, ingest.listing(ingest.AT_WORK), SHOWN, lambda job: job)
        recent = paginate(session, ingest.listing(), PageParams(offset=0, limit=5), lambda job: job)
    return {"at_work": at_work, "recent": recent}


@router.get("/dashboard")
def dashboard(request: Request, principal: Staff, database: DatabaseDep) -> Response:
    context: dict[str, object] = {}
    if may(principal, Role.clerk, Role.admin):
        context["ingest"] = _ingest_jobs(database)
    if may(principal, Role.admin):
        with database.reading() as session:
            context["dead"] = paginate(session, jobs.listing(JobState.dead), SHOWN, lambda job: job)
    return render(request, "dashboard.html", context)


@router.get("/dashboard/ingest")
def ingest_progress(request: Request, principal: ClerkStaff, database: DatabaseDep) -> Response:
    """The ingest section alone, polled by htmx while jobs are at work."""
    found = _ingest_jobs(database)
    response = render(request, "dashboard/ingest.html", {"ingest": found})
    if not found["at_work"].total:  # type: ignore[attr-defined]
        response.status_code = STOP_POLLING
    return response


@router.post("/dashboard/jobs/{job_id}/retry")
def retry_job(request: Request, job_id: uuid.UUID, principal: AdminStaff,
              database: DatabaseDep) -> Response:
    outcome = attempt(database, lambda session: queue.retry(session, principal.actor, job_id))
    if isinstance(outcome, Exception):
        return redirect(request, "/dashboard", f"Not retried: {outcome}")
    return redirect(request, "/dashboard", f"The {outcome.kind} job is queued again.")
