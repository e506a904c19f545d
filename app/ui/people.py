"""The people directory's pages: everyone who reads it may search it and open a person;
attorneys and admins keep it (add a person, their addresses and custodian names, import
a CSV), through the same service as the API, each change audited."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from app.core.db import Database
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import BadRequest, CustodiaError
from app.core.pagination import PageDep, paginate
from app.models import PersonStatus
from app.people import csv_import, service, views
from app.people.schemas import CustodianIn, EmailIn, PersonIn
from app.ui.deps import AttorneyStaff, PeopleReaderStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import redirect, render

router = APIRouter()
Line = Annotated[str, Form(max_length=1000)]
Lines = Annotated[str, Form(max_length=40_000)]


@router.get("/people")
def people(request: Request, reader: PeopleReaderStaff, database: DatabaseDep, page: PageDep,
           q: Annotated[str, Query(max_length=200)] = "",
           status: Annotated[str, Query(max_length=20)] = "") -> Response:
    try:
        wanted = PersonStatus(status) if status else None
    except ValueError:
        raise BadRequest(f"There is no person status “{status[:20]}”.") from None
    with database.reading() as session:
        found: Any = paginate(session, views.directory(wanted, None, q), page, lambda p: p)
        found.items = views.shown(session, found.items)
    return render(request, "people/list.html", {"found": found, "q": q, "status": status,
                                                "statuses": list(PersonStatus)})


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _new(request: Request, database: Database, values: dict[str, str], error: str = "",
         status: int = 200) -> Response:
    with database.reading() as session:
        choices = [(str(p.id), p.name) for p in views.choices(session)]
    return render(request, "people/new.html", {"values": values, "error": error,
                                               "people": choices}, status=status)


@router.get("/people/new")
def new_person(request: Request, attorney: AttorneyStaff, database: DatabaseDep) -> Response:
    return _new(request, database, dict.fromkeys(
        ("name", "department", "title", "supervisor_id", "emails", "custodians"), ""))


@router.post("/people/new")
def create_person(request: Request, attorney: AttorneyStaff, database: DatabaseDep,
                  name: Line = "", department: Line = "", title: Line = "",
                  supervisor_id: Annotated[str, Form(max_length=100)] = "", emails: Lines = "",
                  custodians: Lines = "") -> Response:
    values = {"name": name, "department": department, "title": title,
              "supervisor_id": supervisor_id, "emails": emails, "custodians": custodians}
    try:
        body = parsed(PersonIn, {
            "name": name, "department": department, "title": title,
            "supervisor_id": supervisor_id or None, "custodians": _lines(custodians),
            "emails": [{"address": address} for address in _lines(emails)]})
    except BadRequest as error:
        return _new(request, database, values, error.detail, 400)
    made = attempt(database, lambda session: service.create(session, attorney.actor, body).id)
    if isinstance(made, CustodiaError):
        return _new(request, database, values, made.detail, int(made.status))
    return redirect(request, f"/people/{made}", f"{body.name} is in the directory.")


def _person(request: Request, database: Database, person_id: uuid.UUID, status: int = 200,
            **extra: Any) -> Response:
    with database.reading() as session:
        shown = views.one(session, service.person(session, person_id))
    return render(request, "people/detail.html", {"person": shown, "error": "", "address": "",
                                                  "custodian": "", **extra}, status=status)


@router.get("/people/{person_id:uuid}")
def person_page(request: Request, person_id: uuid.UUID, reader: PeopleReaderStaff,
                database: DatabaseDep) -> Response:
    return _person(request, database, person_id)


@router.post("/people/{person_id:uuid}/emails")
def add_email(request: Request, person_id: uuid.UUID, attorney: AttorneyStaff,
              database: DatabaseDep, address: Line = "") -> Response:
    try:
        body = parsed(EmailIn, {"address": address.strip()})
    except BadRequest as error:
        return _person(request, database, person_id, 400, error=error.detail, address=address)
    done = attempt(database, lambda session: service.add_email(
        session, attorney.actor, service.person(session, person_id), body).id)
    if isinstance(done, CustodiaError):
        return _person(request, database, person_id, int(done.status), error=done.detail,
                       address=address)
    return redirect(request, f"/people/{person_id}", "The address is added.")


@router.post("/people/{person_id:uuid}/custodians")
def map_custodian(request: Request, person_id: uuid.UUID, attorney: AttorneyStaff,
                  database: DatabaseDep, custodian: Line = "") -> Response:
    try:
        body = parsed(CustodianIn, {"custodian": custodian})
    except BadRequest as error:
        return _person(request, database, person_id, 400, error=error.detail,
                       custodian=custodian)
    done = attempt(database, lambda session: service.map_custodian(
        session, attorney.actor, service.person(session, person_id), body.custodian).id)
    if isinstance(done, CustodiaError):
        return _person(request, database, person_id, int(done.status), error=done.detail,
                       custodian=custodian)
    return redirect(request, f"/people/{person_id}", "The custodian name is mapped.")


@router.get("/people/import")
def import_page(request: Request, attorney: AttorneyStaff) -> Response:
    return render(request, "people/import.html", {"report": None, "error": "", "errors": []})


@router.post("/people/import")
def import_people(request: Request, attorney: AttorneyStaff, database: DatabaseDep,
                  settings: SettingsDep, file: Annotated[UploadFile | None, File()] = None,
                  dry_run: Annotated[str, Form(max_length=10)] = "") -> Response:
    """The API's import (every row checked first; one bad row and nothing changes)."""
    data = file.file.read(csv_import.MAX_BYTES + 1) if file is not None else b""
    if not data:
        outcome: Any = BadRequest("Choose a CSV file to import.")
    elif len(data) > csv_import.MAX_BYTES:
        outcome = csv_import.too_large(len(data))
    else:
        outcome = attempt(database, lambda session: csv_import.run(
            session, attorney.actor, data, settings.zone, dry_run=bool(dry_run)))
    if isinstance(outcome, CustodiaError):
        return render(request, "people/import.html", {
            "report": None, "error": outcome.detail, "errors": outcome.extra.get("errors", [])},
            status=int(outcome.status))
    return render(request, "people/import.html", {"report": outcome, "error": "", "errors": []})
