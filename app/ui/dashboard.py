"""The dashboard: what needs this person's attention today. Each section shows only to the
roles whose API would show it: ingest jobs to clerks, the dead-letter list to admins."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core import jobs as queue
from app.core.deps import DatabaseDep, SettingsDep
from app.core.pagination import PageParams, paginate
from app.core.settings import Settings
from app.holds import views as holds
from app.ingest import service as ingest
from app.jobs import service as jobs
from app.models import HoldStatus, JobState, Role
from app.requests import service as requests
from app.requests import timing
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


def _my_requests(database: DatabaseDep, settings: Settings, principal: Staff) -> dict[str, object]:
    """Running requests assigned to this person (and, for the clerk's office, those nobody
    has yet), oldest deadline first, each with its flags and working days left."""
    with database.reading() as session:
        today = timing.Today(session, settings.zone)

        def shown(filters: requests.Filters) -> list[dict[str, object]]:
            found = requests.listing(session, today, filters, SHOWN)
            return [{"case": case, "days_left": today.working_days_left(case),
                     "due": timing.current_due(case), "due_soon": today.due_soon(case),
                     "overdue": today.overdue(case)} for case in found.items]

        running = sorted(requests.RUNNING)
        mine = shown(requests.Filters(status=running, assigned_to=principal.user.id))
        unassigned = shown(requests.Filters(status=running, unassigned=True)) \
            if may(principal, Role.clerk, Role.admin) else None
    return {"mine": mine, "unassigned": unassigned}


def _holds_awaiting(database: DatabaseDep) -> list[dict[str, object]]:
    """Issued holds some custodian has not acknowledged yet."""
    with database.reading() as session:
        issued = paginate(session, holds.listing(HoldStatus.active), SHOWN, lambda hold: hold)
        counted = [(hold, *holds.acknowledged(session, hold)) for hold in issued.items]
    return [{"hold": hold, "acknowledged": done, "asked": asked}
            for hold, done, asked in counted if done < asked]


@router.get("/dashboard")
def dashboard(request: Request, principal: Staff, database: DatabaseDep,
              settings: SettingsDep) -> Response:
    context: dict[str, object] = {"requests": _my_requests(database, settings, principal)}
    if may(principal, Role.attorney, Role.auditor, Role.admin):
        context["holds"] = _holds_awaiting(database)
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
