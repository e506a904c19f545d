"""The custodian directory: /api/v1/people. Attorneys and admins keep it; clerks and
auditors read it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.auth.deps import AttorneyUser, PeopleReader
from app.core.deps import ReadSessionDep, SessionDep, SettingsDep
from app.core.errors import BadRequest
from app.core.pagination import Page, PageDep, paginate
from app.core.payload import Text
from app.models import PersonStatus
from app.people import csv_import, service, views
from app.people.schemas import (
    CustodianIn,
    DepartIn,
    EmailIn,
    EmailPatch,
    ImportReport,
    PersonIn,
    PersonOut,
    PersonPatch,
)
from app.people.views import one, shown

router = APIRouter(prefix="/api/v1/people", tags=["people"])

CSV_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


@router.get("", response_model=Page[PersonOut])
def list_people(
    _: PeopleReader, session: ReadSessionDep, page: PageDep,
    status: Annotated[PersonStatus | None, Query()] = None,
    department: Annotated[Text | None, Query(max_length=200)] = None,
    q: Annotated[Text | None, Query(max_length=200, description="Part of the name")] = None,
) -> Page[PersonOut]:
    """People by name; `q` matches part of the name, any case."""
    found: Page[Any] = paginate(session, views.directory(status, department, q), page, lambda p: p)
    return Page(items=shown(session, found.items), total=found.total, offset=found.offset,
                limit=found.limit)


@router.get("/unmapped-custodians", response_model=Page[str])
def list_unmapped(_: AttorneyUser, session: ReadSessionDep, page: PageDep) -> Page[str]:
    """Ingest custodian names (of ingested mail) that no person claims yet: map each one."""
    return paginate(session, service.unmapped_query(), page, str)


async def csv_file(request: Request) -> bytes:
    """The file, as a text/csv body or a multipart `file`, refused (413) past the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > csv_import.MAX_BYTES + 2**16:
        raise csv_import.too_large(int(declared))
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in {"text/csv", "multipart/form-data"}:
        raise BadRequest("Send the file as a text/csv body or a multipart/form-data `file`.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > csv_import.MAX_BYTES + 2**16:  # room for the multipart framing
            raise csv_import.too_large(size)
        chunks.append(chunk)
    data = b"".join(chunks)
    if kind == "text/csv":
        return data

    async def body() -> Any:
        yield data

    try:
        form = await MultiPartParser(request.headers, body(), max_files=1, max_fields=0,
                                     max_part_size=csv_import.MAX_BYTES + 1).parse()
    except MultiPartException as exc:
        raise BadRequest(f"The multipart body is not valid: {exc.message}") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise BadRequest("Send the file as the multipart form field `file`.")
    content = await upload.read()
    await form.close()
    return content


CsvFile = Annotated[bytes, Depends(csv_file)]


@router.post("/import", response_model=ImportReport, openapi_extra=CSV_BODY)
def import_people(
    attorney: AttorneyUser, data: CsvFile, session: SessionDep, settings: SettingsDep,
    dry_run: Annotated[bool, Query(description="Report what would change; change nothing")
                       ] = False,
) -> ImportReport:
    """Import people from CSV (name, department, title, emails, custodians, supervisor_email,
    status, departed_on; lists `;`-separated). Every row is checked first: one bad row and
    nothing changes (400 listing each bad line and why). Rows match people by address."""
    return csv_import.run(session, attorney.actor, data, settings.zone, dry_run=dry_run)


@router.post("", response_model=PersonOut, status_code=201)
def create_person(body: PersonIn, attorney: AttorneyUser, session: SessionDep) -> PersonOut:
    """Add a person, with their addresses and ingest custodian names. Audited."""
    return one(session, service.create(session, attorney.actor, body))


@router.get("/{person_id:uuid}", response_model=PersonOut)
def get_person(person_id: uuid.UUID, _: PeopleReader, session: ReadSessionDep) -> PersonOut:
    return one(session, service.person(session, person_id))


@router.patch("/{person_id:uuid}", response_model=PersonOut)
def update_person(person_id: uuid.UUID, body: PersonPatch, attorney: AttorneyUser,
                  session: SessionDep) -> PersonOut:
    """Change the fields sent. A supervisor must be another person, and not one this person
    supervises (400 `supervisor_cycle`). Audited."""
    found = service.person(session, person_id)
    return one(session, service.update(session, attorney.actor, found, body))


@router.post("/{person_id:uuid}/depart", response_model=PersonOut)
def depart_person(person_id: uuid.UUID, body: DepartIn, attorney: AttorneyUser,
                  session: SessionDep, settings: SettingsDep) -> PersonOut:
    """Mark a person departed on a day. Their addresses, custodian names and records stay."""
    found = service.person(session, person_id)
    return one(session, service.depart(session, attorney.actor, found, body.departed_on,
                                       settings.zone))


@router.post("/{person_id:uuid}/emails", response_model=PersonOut, status_code=201)
def add_email(person_id: uuid.UUID, body: EmailIn, attorney: AttorneyUser,
              session: SessionDep) -> PersonOut:
    """Add an address (stored in lower case). One already anyone's answers 409. Audited."""
    found = service.person(session, person_id)
    return one(session, service.add_email(session, attorney.actor, found, body))


@router.patch("/{person_id:uuid}/emails/{address:path}", response_model=PersonOut)
def update_email(person_id: uuid.UUID, address: str, body: EmailPatch,
                 attorney: AttorneyUser, session: SessionDep) -> PersonOut:
    """Mark an address current or old. Audited."""
    found = service.person(session, person_id)
    return one(session, service.set_email_current(session, attorney.actor, found, address,
                                                  body.current))


@router.delete("/{person_id:uuid}/emails/{address:path}", response_model=PersonOut)
def remove_email(person_id: uuid.UUID, address: str, attorney: AttorneyUser,
                 session: SessionDep) -> PersonOut:
    """Remove an address entered by mistake (an old one is kept with current=false)."""
    found = service.person(session, person_id)
    return one(session, service.remove_email(session, attorney.actor, found, address))


@router.post("/{person_id:uuid}/custodians", response_model=PersonOut, status_code=201)
def map_custodian(person_id: uuid.UUID, body: CustodianIn, attorney: AttorneyUser,
                  session: SessionDep) -> PersonOut:
    """Claim an ingest custodian name as this person's mail; one already mapped: 409."""
    found = service.person(session, person_id)
    return one(session, service.map_custodian(session, attorney.actor, found, body.custodian))


@router.delete("/{person_id:uuid}/custodians/{custodian:path}", response_model=PersonOut)
def unmap_custodian(person_id: uuid.UUID, custodian: str, attorney: AttorneyUser,
                    session: SessionDep) -> PersonOut:
    found = service.person(session, person_id)
    return one(session, service.unmap_custodian(session, attorney.actor, found, custodian))
