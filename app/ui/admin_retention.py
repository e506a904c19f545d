"""Admin pages for retention: how long each record class is kept (set, remove), and the
purge runs with their certificates (checked against the hash kept with each run)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.core.db import Database
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import BadRequest, CustodiaError
from app.core.pagination import PageDep, PageParams, paginate
from app.retention import service
from app.retention.schemas import RunOut, ScheduleIn, ScheduleOut
from app.ui.deps import AdminStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import redirect, render

router = APIRouter()

ClassName = Annotated[str, Form(max_length=64)]


def _page(request: Request, database: Database, page: PageParams,
          form: dict[str, str] | None = None, error: CustodiaError | None = None) -> Response:
    with database.reading() as session:
        schedules = [ScheduleOut.model_validate(s) for s in service.schedules(session)]
        classes = service.known_classes(session)
        runs = paginate(session, service.runs_listed(), page, RunOut.model_validate)
    return render(request, "admin/retention.html", {
        "schedules": schedules, "classes": classes, "runs": runs, "max_days": service.MAX_DAYS,
        "form": form or {"record_class": "", "days": ""}, "error": error.detail if error else "",
    }, status=int(error.status) if error else 200)


@router.get("/admin/retention")
def retention(request: Request, admin: AdminStaff, database: DatabaseDep,
              page: PageDep) -> Response:
    return _page(request, database, page)


@router.post("/admin/retention/schedules")
def put_schedule(request: Request, admin: AdminStaff, database: DatabaseDep,
                 record_class: ClassName = "",
                 days: Annotated[str, Form(max_length=10)] = "") -> Response:
    form = {"record_class": record_class, "days": days}
    name, kept = record_class.strip(), days.strip()
    first = PageParams(offset=0, limit=50)
    try:
        body = parsed(ScheduleIn, {"days": int(kept) if kept.isdigit() else (kept or None)})
        service.check_class_name(name)
    except BadRequest as error:
        return _page(request, database, first, form, error)
    done = attempt(database, lambda session: service.set_schedule(
        session, admin.actor, name, body.days).record_class)
    if isinstance(done, CustodiaError):
        return _page(request, database, first, form, done)
    how_long = f"for {body.days} days" if body.days else "forever"
    return redirect(request, "/admin/retention", f"The class {done} is kept {how_long}.")


@router.post("/admin/retention/schedules/{record_class}/delete")
def delete_schedule(request: Request, record_class: str, admin: AdminStaff,
                    database: DatabaseDep) -> Response:
    done = attempt(database, lambda session: service.delete_schedule(
        session, admin.actor, record_class[:64]))
    if isinstance(done, CustodiaError):
        raise done
    return redirect(request, "/admin/retention",
                    f"The schedule is removed: the class {record_class[:64]} is kept forever.")


@router.get("/admin/retention/runs/{run_id}/certificate")
def certificate(request: Request, run_id: uuid.UUID, admin: AdminStaff, database: DatabaseDep,
                settings: SettingsDep) -> Response:
    with database.reading() as session:
        run = service.run_of(session, run_id)
        data = service.certificate_of(settings.data_dir, run)  # 409 if it was altered
        shown = RunOut.model_validate(run)
    return render(request, "admin/certificate.html", {
        "run": shown, "text": data.decode()})
