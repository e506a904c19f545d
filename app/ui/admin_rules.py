"""The clock's data for administrators: the city's calendar (Colorado's legal holidays and
the city's own closures) and the CORA clock's rule sets. Every change goes through
app.requests.rules, so it is audited and running requests are retimed as in the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import CustodiaError
from app.core.settings import Settings
from app.models import RequesterCategory
from app.requests import rules
from app.requests.calendar import legal_holidays
from app.requests.schemas import ClosureIn, Retimed, RuleSetIn
from app.review.citations import today
from app.ui.admin_kit import change, form_of, given, numbers, uuid_of
from app.ui.deps import AdminStaff
from app.ui.forms import attempt
from app.ui.pages import redirect, render

router = APIRouter(prefix="/admin")
RETIMED_LISTED = 5  # request numbers named in the (one-time, short) message after a change


def _due(dates: dict[str, Any]) -> str:
    """The date a request is due by now: delivery, else extended, else the first due date."""
    return str(dates.get("delivery_due_date") or dates.get("extended_due_date")
               or dates.get("due_date"))


def retimed_message(done: str, retimed: list[Retimed]) -> str:
    """The service's answer in words: which running requests' due dates moved."""
    if not retimed:
        return f"{done} No running request's due date moved."
    moves = [f"{r.number} ({_due(r.before)} → {_due(r.after)})" for r in retimed[:RETIMED_LISTED]]
    more = f" and {len(retimed) - RETIMED_LISTED} more" if len(retimed) > RETIMED_LISTED else ""
    return (f"{done} Due dates moved on {len(retimed)} running request"
            f"{'s' if len(retimed) != 1 else ''}: {', '.join(moves)}{more}.")


def _calendar(request: Request, database: DatabaseDep, settings: Settings, year: int | None,
              form: dict[str, str] | None = None, error: CustodiaError | None = None) -> Response:
    with database.reading() as session:
        now = today(session, settings)
        closures = rules.closures(session)
    shown = year or now.year
    return render(request, "admin/rules_calendar.html", {
        "year": shown, "holidays": legal_holidays(shown, shown), "closures": closures,
        "today": now, "form": form or {"day": "", "name": ""}, "error": error,
    }, status=int(error.status) if error else 200)


@router.get("/calendar")
def calendar(request: Request, admin: AdminStaff, database: DatabaseDep, settings: SettingsDep,
             year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    return _calendar(request, database, settings, year)


@router.post("/calendar/closures")
async def add_closure(request: Request, admin: AdminStaff, database: DatabaseDep,
                      settings: SettingsDep) -> Response:
    form = await form_of(request)
    values = {"day": form.get("day", ""), "name": form.get("name", "")}
    outcome = change(database, ClosureIn, given(values), lambda session, body: rules.add_closure(
        session, admin.actor, body.day, body.name))
    if isinstance(outcome, CustodiaError):
        return _calendar(request, database, settings, None, values, outcome)
    closure, retimed = outcome
    return redirect(request, f"/admin/calendar?year={closure.day.year}", retimed_message(
        f"The city is closed on {closure.day} ({closure.name}).", retimed))


@router.post("/calendar/closures/{closure_id}/remove")
def remove_closure(closure_id: str, request: Request, admin: AdminStaff,
                   database: DatabaseDep, settings: SettingsDep) -> Response:
    found = uuid_of(closure_id, "city closure")
    outcome = attempt(database, lambda session: rules.remove_closure(session, admin.actor, found))
    if isinstance(outcome, CustodiaError):
        return _calendar(request, database, settings, None, None, outcome)
    closure, retimed = outcome
    return redirect(request, f"/admin/calendar?year={closure.day.year}", retimed_message(
        f"The closure on {closure.day} ({closure.name}) is removed.", retimed))


CATEGORIES = [category for category in RequesterCategory]
RULE_FIELDS = ("effective_from", "response_days", "extension_days", "business_hours_cutoff",
               "delivery_days", "citation", "note")


def _rule_sets(request: Request, database: DatabaseDep, settings: Settings,
               form: dict[str, str] | None = None, error: CustodiaError | None = None
               ) -> Response:
    with database.reading() as session:
        now = today(session, settings)
        found = rules.rule_sets(session)
    latest = found[-1] if found else None
    blank = {name: "" for name in RULE_FIELDS}
    if latest is not None:  # start from the rules in force: a new statute changes a few
        blank.update(response_days=str(latest.response_days),
                     extension_days=str(latest.extension_days),
                     delivery_days=str(latest.delivery_days), citation=latest.citation,
                     business_hours_cutoff=latest.business_hours_cutoff.strftime("%H:%M")
                     if latest.business_hours_cutoff else "")
    return render(request, "admin/rules_rule_sets.html", {
        "rule_sets": found, "today": now, "form": form or blank, "error": error,
        "categories": CATEGORIES, "error_field": _field_of(error),
    }, status=int(error.status) if error else 200)


def _field_of(error: CustodiaError | None) -> str:
    """Which input the refusal is about: the schema names it; the service's refusals (a day
    not after today, a day taken) are about the effective date."""
    if error is None:
        return ""
    if error.detail.startswith("Please correct the form: "):
        return error.detail.removeprefix("Please correct the form: ").split(":")[0].split(".")[0]
    return "effective_from"


@router.get("/rule-sets")
def rule_sets(request: Request, admin: AdminStaff, database: DatabaseDep,
              settings: SettingsDep) -> Response:
    return _rule_sets(request, database, settings)


def rule_set_values(form: dict[str, str]) -> dict[str, Any]:
    """The form as RuleSetIn's payload: numbers as numbers, a ticked box as true, and each
    category's days (left blank: the general rule applies)."""
    values: dict[str, Any] = given({name: form.get(name, "") for name in RULE_FIELDS}, "note")
    values = numbers(values, "response_days", "extension_days", "delivery_days")
    values["receipt_day_counts"] = form.get("receipt_day_counts") == "yes"
    overrides: dict[str, Any] = {}
    for category in CATEGORIES:
        days = numbers(given({part: form.get(f"{category}_{part}", "")
                              for part in ("response_days", "extension_days")}),
                       "response_days", "extension_days")
        if days:
            overrides[category.value] = days
    values["category_overrides"] = overrides
    return values


@router.post("/rule-sets")
async def add_rule_set(request: Request, admin: AdminStaff, database: DatabaseDep,
                       settings: SettingsDep) -> Response:
    form = await form_of(request)
    outcome = change(database, RuleSetIn, rule_set_values(form),
                     lambda session, body: rules.add_rule_set(session, admin.actor, body,
                                                              settings.zone))
    if isinstance(outcome, CustodiaError):
        return _rule_sets(request, database, settings, form, outcome)
    return redirect(request, "/admin/rule-sets",
                    f"The rule set from {outcome.effective_from} is added: requests received "
                    "from that day on are timed by it.")
