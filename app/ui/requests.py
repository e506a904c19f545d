"""The clerk's records requests: the list, intake of a request taken by phone, in person or
by e-mail, the case file, and its status changes and extension."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.core.clock import clock_of
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import CustodiaError
from app.core.pagination import PageParams
from app.models import Channel, RequesterCategory, RequestStatus
from app.requests import service, timing
from app.requests.lookup import records_request
from app.requests.schemas import ExtensionIn, RequestIn, TransitionIn
from app.ui.deps import ClerkStaff, RequestReaderStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import redirect, render
from app.ui.requests_case import act, case_page
from app.ui.requests_forms import FIELD, departments, moment, whole

router = APIRouter()
LIST_PAGE = 50
Short = Annotated[str, Form(max_length=400)]
Long = Annotated[str, Form(max_length=20000)]
Reason = Annotated[str, Form(max_length=FIELD)]


@router.get("/requests")
def request_list(request: Request, principal: RequestReaderStaff, database: DatabaseDep,
                 settings: SettingsDep,
                 status: Annotated[list[RequestStatus] | None, Query()] = None,
                 overdue: Annotated[bool, Query()] = False,
                 due_soon: Annotated[bool, Query()] = False,
                 mine: Annotated[bool, Query()] = False,
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> Response:
    """Requests, oldest deadline first, filtered as the API's list is."""
    filters = service.Filters(status or (), overdue or None, due_soon or None,
                              principal.user.id if mine else None)
    with database.reading() as session:
        today = timing.Today(session, settings.zone)
        found = service.listing(session, today, filters, PageParams(offset=offset,
                                                                    limit=LIST_PAGE))
        rows = [{"case": r, "due": timing.current_due(r), "left": today.working_days_left(r),
                 "overdue": today.overdue(r), "due_soon": today.due_soon(r),
                 "ticking": timing.ticking(r)} for r in found.items]
        return render(request, "requests/list.html", {
            "rows": rows, "page": found, "statuses": list(RequestStatus),
            "chosen": set(status or ()), "overdue": overdue, "due_soon": due_soon,
            "mine": mine, "query": request.url.query})


def _intake_form(request: Request, values: dict[str, Any], error: CustodiaError | None = None
                 ) -> Response:
    return render(request, "requests/new.html", {
        "values": values, "error": error, "channels": list(Channel),
        "categories": list(RequesterCategory)}, status=int(error.status) if error else 200)


@router.get("/requests/new")
def new_request(request: Request, principal: ClerkStaff, database: DatabaseDep,
                settings: SettingsDep) -> Response:
    with database.reading() as session:
        now = clock_of(session).now().astimezone(settings.zone)
    return _intake_form(request, {
        "requester_name": "", "requester_email": "", "requester_organization": "",
        "requester_contact": "", "category": "general", "channel": "phone", "description": "",
        "departments": "", "received_at": now.strftime("%Y-%m-%dT%H:%M"), "mine": True})


@router.post("/requests")
def create_request(
    request: Request, principal: ClerkStaff, database: DatabaseDep, settings: SettingsDep,
    requester_name: Short = "", requester_email: Short = "", requester_organization: Short = "",
    requester_contact: Annotated[str, Form(max_length=2000)] = "", category: Short = "",
    channel: Short = "", description: Long = "", departments_: Annotated[
        str, Form(alias="departments", max_length=6000)] = "", received_at: Short = "",
    mine: Annotated[bool, Form()] = False,
) -> Response:
    """Take in a request, parsed by the API's own schema; refused, the form comes back filled."""
    values = {"requester_name": requester_name, "requester_email": requester_email,
              "requester_organization": requester_organization,
              "requester_contact": requester_contact, "category": category,
              "channel": channel, "description": description, "departments": departments_,
              "received_at": received_at, "mine": mine}

    def take_in(session: Any) -> Any:
        fields = {name: value for name, value in values.items() if name != "mine"}
        body = parsed(RequestIn, {**fields, "departments": departments(departments_),
                                  "received_at": moment(received_at, settings.zone,
                                                        "received at"),
                                  "assigned_to_id": principal.user.id if mine else None})
        return service.create(session, principal.actor, body, settings.zone)

    outcome = attempt(database, take_in)
    if isinstance(outcome, CustodiaError):
        return _intake_form(request, values, outcome)
    return redirect(request, f"/requests/{outcome.id}",
                    f"Request {outcome.number} is taken in; it is due {outcome.due_date}.")


@router.get("/requests/{request_id}")
def case_file(request_id: uuid.UUID, request: Request, principal: RequestReaderStaff,
              database: DatabaseDep, settings: SettingsDep) -> Response:
    return case_page(request, database, settings, principal, request_id)


@router.post("/requests/{request_id}/transitions")
def change_status(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
                  database: DatabaseDep, settings: SettingsDep, to: Short = "",
                  reason: Reason = "", version: Short = "") -> Response:
    """Move the request on (allowed statuses only); a stale version answers 409."""
    kept = {"to": to, "reason": reason}

    def move(session: Any) -> Any:
        body = parsed(TransitionIn, {"to": to, "reason": reason,
                                     "version": whole(version, "version")})
        return service.transition(session, principal.actor, records_request(session, request_id),
                                  body.to, body.reason, body.version)

    return act(request, database, settings, principal, request_id, "status", kept, move,
               lambda found: f"Request {found.number} is now {found.status.value}.")


@router.post("/requests/{request_id}/extension")
def extend(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
           database: DatabaseDep, settings: SettingsDep, reason: Reason = "",
           version: Short = "") -> Response:
    """Take the extension; its notice is drawn and queued with it."""
    def take(session: Any) -> Any:
        body = parsed(ExtensionIn, {"reason": reason, "version": whole(version, "version")})
        return service.extend(session, principal.actor, records_request(session, request_id),
                              body.reason, body.version, settings)

    return act(request, database, settings, principal, request_id, "clock", {"reason": reason},
               take, lambda found: f"Extended: request {found.number} is now due "
                                   f"{found.extended_due_date}; the notice is queued.")
