"""What an attorney does to a hold from its page: edit it, issue it, release it. Each one
carries the version the page showed, so a change made meanwhile answers 409 on the page."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.core.deps import DatabaseDep, EngineDep, SettingsDep
from app.core.errors import BadRequest, CustodiaError
from app.holds import service
from app.holds.schemas import HoldPatch
from app.ui.deps import AttorneyStaff
from app.ui.forms import attempt, parsed
from app.ui.hold_form import hold_form, payload
from app.ui.holds import details
from app.ui.pages import redirect

router = APIRouter()
HoldForm = Annotated[dict[str, Any], Depends(hold_form)]
VersionField = Annotated[str, Form(max_length=20)]


def _version(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise BadRequest("The form lost the hold's version; reload the page and try again.")
    return int(value)


@router.post("/holds/{hold_id:uuid}/edit")
def edit_hold(request: Request, hold_id: uuid.UUID, attorney: AttorneyStaff,
              database: DatabaseDep, settings: SettingsDep, engine: EngineDep,
              values: HoldForm, version: VersionField = "") -> Response:
    try:
        body = parsed(HoldPatch, {**payload(values), "version": _version(version)})
    except BadRequest as error:
        return details(request, database, hold_id, 400, values=values, edit_error=error.detail)
    done = attempt(database, lambda session: service.update(
        session, engine, settings, attorney.actor, service.hold_of(session, hold_id), body).id)
    if isinstance(done, CustodiaError):
        return details(request, database, hold_id, int(done.status), values=values,
                       edit_error=done.detail)
    return redirect(request, f"/holds/{hold_id}", "The hold is saved.")


@router.post("/holds/{hold_id:uuid}/issue")
def issue_hold(request: Request, hold_id: uuid.UUID, attorney: AttorneyStaff,
               database: DatabaseDep, settings: SettingsDep, engine: EngineDep,
               version: VersionField = "") -> Response:
    try:
        seen = _version(version)
    except BadRequest as error:
        return details(request, database, hold_id, 400, action_error=error.detail)
    held = attempt(database, lambda session: service.issue(
        session, engine, settings, attorney.actor, service.hold_of(session, hold_id), seen))
    if isinstance(held, CustodiaError):
        return details(request, database, hold_id, int(held.status), action_error=held.detail)
    return redirect(request, f"/holds/{hold_id}", f"The hold is issued: {held} documents are "
                                                  "held and its custodians are being noticed.")


@router.post("/holds/{hold_id:uuid}/release")
def release_hold(request: Request, hold_id: uuid.UUID, attorney: AttorneyStaff,
                 database: DatabaseDep, settings: SettingsDep, version: VersionField = "",
                 reason: Annotated[str, Form(max_length=8000)] = "") -> Response:
    try:
        seen = _version(version)
        if not reason.strip():
            raise BadRequest("Say why the hold is released; the reason goes in its history.")
        if len(reason.strip()) > 4000:
            raise BadRequest("The reason may be at most 4,000 characters.")
    except BadRequest as error:
        return details(request, database, hold_id, 400, action_error=error.detail, reason=reason)
    freed = attempt(database, lambda session: service.release(
        session, settings, attorney.actor, service.hold_of(session, hold_id), seen,
        reason.strip()))
    if isinstance(freed, CustodiaError):
        return details(request, database, hold_id, int(freed.status),
                       action_error=freed.detail, reason=reason)
    return redirect(request, f"/holds/{hold_id}", f"The hold is released; {freed} documents "
                                                  "no other hold keeps are free again.")
