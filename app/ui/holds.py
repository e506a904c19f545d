"""Legal-hold pages: the list and a hold's page for attorneys and auditors, a new hold
for attorneys, and the report as the API gives it. Actions are in app.ui.hold_actions."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.core.db import Database
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import BadRequest, CustodiaError
from app.core.pagination import PageDep, paginate
from app.holds import notices, report, service, views
from app.holds.schemas import HoldIn
from app.models import HoldStatus
from app.people import service as people
from app.people import views as directory
from app.ui.deps import AttorneyStaff, HoldReaderStaff
from app.ui.forms import attempt, parsed
from app.ui.hold_form import blank, hold_form, label, payload, values_of
from app.ui.pages import redirect, render

router = APIRouter()
HoldForm = Annotated[dict[str, Any], Depends(hold_form)]


@router.get("/holds")
def holds(request: Request, reader: HoldReaderStaff, database: DatabaseDep, page: PageDep,
          status: Annotated[str, Query(max_length=20)] = "") -> Response:
    try:
        wanted = HoldStatus(status) if status else None
    except ValueError:
        raise BadRequest(f"There is no hold status “{status[:20]}”.") from None
    with database.reading() as session:
        found = paginate(session, views.listing(wanted), page, lambda hold: (
            views.show(session, hold), views.acknowledged(session, hold)))
    return render(request, "holds/list.html", {"found": found, "status": status,
                                               "statuses": list(HoldStatus)})


def people_choices(database: Database) -> list[tuple[str, str]]:
    with database.reading() as session:
        return [(str(p.id), label(p)) for p in directory.choices(session)]


def _new(request: Request, database: Database, values: dict[str, Any], error: str = "",
         status: int = 200) -> Response:
    return render(request, "holds/new.html", {"values": values, "error": error,
                                              "people": people_choices(database)}, status=status)


@router.get("/holds/new")
def new_hold(request: Request, attorney: AttorneyStaff, database: DatabaseDep) -> Response:
    return _new(request, database, blank())


@router.post("/holds/new")
def create_hold(request: Request, attorney: AttorneyStaff, database: DatabaseDep,
                values: HoldForm) -> Response:
    try:
        body = parsed(HoldIn, payload(values))
    except BadRequest as error:
        return _new(request, database, values, error.detail, 400)
    made = attempt(database, lambda session: service.create(session, attorney.actor, body).id)
    if isinstance(made, CustodiaError):
        return _new(request, database, values, made.detail, int(made.status))
    return redirect(request, f"/holds/{made}", "The hold is drafted; nothing is held until "
                                               "you issue it.")


def details(request: Request, database: Database, hold_id: uuid.UUID, status: int = 200,
            **extra: Any) -> Response:
    """A hold's page; `extra` carries a refused form's input and its error."""
    with database.reading() as session:
        found = service.hold_of(session, hold_id)
        hold = views.show(session, found)
        context: dict[str, Any] = {
            "hold": hold, "acknowledgements": views.acknowledgements(session, found),
            "custodians": directory.shown(session, [people.person(session, p)
                                                    for p in hold.custodians]),
            "notices": views.notices_sent(session, found),
            "breakdown": views.breakdown(session, found), "counts": views.acknowledged(session, found),
        }
    current = {a.person_id: a for a in context["acknowledgements"]
               if a.scope_version == hold.scope_version}
    context["custodians"] = [(person, current.get(person.id)) for person in context["custodians"]]
    needs_people = hold.status != HoldStatus.released
    return render(request, "holds/detail.html", {
        **context, "values": values_of(hold), "edit_error": "", "action_error": "",
        "reason": "", "people": people_choices(database) if needs_people else [],
        "parts": report.PARTS, "questions": notices.QUESTIONS, **extra}, status=status)


@router.get("/holds/{hold_id:uuid}")
def hold_page(request: Request, hold_id: uuid.UUID, reader: HoldReaderStaff,
              database: DatabaseDep) -> Response:
    return details(request, database, hold_id)


@router.get("/holds/{hold_id:uuid}/report.{format}")
def hold_report(hold_id: uuid.UUID, format: Literal["pdf", "csv"], reader: HoldReaderStaff,
                database: DatabaseDep, settings: SettingsDep,
                part: Literal["custodians", "documents", "history"] = "custodians") -> Response:
    """The report the API offers (audited as `hold.report`)."""
    with database.reading() as session:
        found = report.download(session, reader.actor, service.hold_of(session, hold_id),
                                settings.zone, format, part)
    return Response(found.content, media_type=found.media_type,
                    headers={"Content-Disposition": found.disposition})
