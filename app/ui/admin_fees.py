"""The fee schedules (C.R.S. 24-72-205) for administrators: each dated set of rates, a new
one, and edits to one, through app.fees.schedules (audited, as the API)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import CustodiaError
from app.core.settings import Settings
from app.fees import schedules
from app.fees.schemas import ScheduleChange, ScheduleIn
from app.models import FeeSchedule
from app.review.citations import today
from app.ui.admin_kit import change, form_of, given, numbers, uuid_of
from app.ui.deps import AdminStaff
from app.ui.pages import redirect, render

router = APIRouter(prefix="/admin/fee-schedules")
FIELDS = ("hourly_rate", "free_minutes", "billing_increment_minutes", "per_page",
          "electronic_delivery", "minutes_per_document", "citation", "note")
WHOLE = ("free_minutes", "billing_increment_minutes", "minutes_per_document")


def _values(form: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    return numbers(given({name: form.get(name, "").strip() if name != "note"
                          else form.get(name, "") for name in names}, "note"), *WHOLE)


def _as_form(schedule: FeeSchedule) -> dict[str, str]:
    return {name: str(getattr(schedule, name)) for name in ("effective_from", *FIELDS)}


def _list(request: Request, database: DatabaseDep, settings: Settings,
          form: dict[str, str] | None = None, error: CustodiaError | None = None) -> Response:
    with database.reading() as session:
        found = schedules.every(session)
        now = today(session, settings)
        current = next((s.id for s in found if s.effective_from <= now), None)
    blank = {"effective_from": "", **(_as_form(found[0]) if found else {}), "note": ""}
    blank["effective_from"] = ""
    return render(request, "admin/fees_schedules.html", {
        "schedules": found, "current": current, "today": now, "form": form or blank,
        "error": error}, status=int(error.status) if error else 200)


@router.get("")
def fee_schedules(request: Request, admin: AdminStaff, database: DatabaseDep,
                  settings: SettingsDep) -> Response:
    return _list(request, database, settings)


@router.post("")
async def add_schedule(request: Request, admin: AdminStaff, database: DatabaseDep,
                       settings: SettingsDep) -> Response:
    form = await form_of(request)
    outcome = change(database, ScheduleIn, _values(form, ("effective_from", *FIELDS)),
                     lambda session, body: schedules.create(session, admin.actor, body))
    if isinstance(outcome, CustodiaError):
        return _list(request, database, settings, form, outcome)
    return redirect(request, "/admin/fee-schedules",
                    f"The fee schedule from {outcome.effective_from} is added.")


def _edit(request: Request, schedule: FeeSchedule, form: dict[str, str] | None = None,
          error: CustodiaError | None = None) -> Response:
    return render(request, "admin/fees_schedule.html", {
        "schedule": schedule, "form": form or _as_form(schedule), "error": error},
        status=int(error.status) if error else 200)


@router.get("/{schedule_id}")
def fee_schedule(schedule_id: str, request: Request, admin: AdminStaff,
                 database: DatabaseDep) -> Response:
    found = uuid_of(schedule_id, "fee schedule")
    with database.reading() as session:
        schedule = schedules.get(session, found)
    return _edit(request, schedule)


@router.post("/{schedule_id}")
async def change_schedule(schedule_id: str, request: Request, admin: AdminStaff,
                          database: DatabaseDep) -> Response:
    found = uuid_of(schedule_id, "fee schedule")
    with database.reading() as session:
        schedule = schedules.get(session, found)
    form = await form_of(request)
    outcome = change(database, ScheduleChange, _values(form, FIELDS),
                     lambda session, body: schedules.change(session, admin.actor, found, body))
    if isinstance(outcome, CustodiaError):
        return _edit(request, schedule, {"effective_from": str(schedule.effective_from), **form},
                     outcome)
    return redirect(request, "/admin/fee-schedules",
                    f"The fee schedule from {outcome.effective_from} is saved.")
