"""The Open Meetings report for the clerk's office and the attorney's: the threads where
enough members of one public body took part, searchable, and as a CSV download. The same
audited report as the API (app.meetings.report)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.core.deps import ReadSessionDep, SettingsDep
from app.core.errors import BadRequest
from app.meetings import report, service
from app.ui.deps import ReviewerStaff
from app.ui.pages import render

router = APIRouter()
Field = Annotated[str, Query(max_length=200)]


def _parsed(body_id: str, after: str, before: str) -> tuple[uuid.UUID | None, date | None,
                                                            date | None]:
    try:
        body = uuid.UUID(body_id) if body_id else None
    except ValueError:
        raise BadRequest("Choose a public body from the list.") from None
    days = []
    for label, value in (("From", after), ("To", before)):
        try:
            days.append(date.fromisoformat(value) if value else None)
        except ValueError:
            raise BadRequest(f"{label} is a date like 2026-06-01.") from None
    return body, days[0], days[1]


@router.get("/open-meetings")
def open_meetings(request: Request, reviewer: ReviewerStaff, session: ReadSessionDep,
                  settings: SettingsDep, q: Field = "", body_id: Field = "", after: Field = "",
                  before: Field = "") -> Response:
    body, first, last = _parsed(body_id, after, before)
    found = report.run(session, settings.zone, reviewer.actor, body, q or None, first, last,
                       "page")
    return render(request, "meetings/report.html", {
        "found": found, "bodies": service.bodies(session),
        "values": {"q": q, "body_id": body_id, "after": after, "before": before}})


@router.get("/open-meetings.csv")
def open_meetings_csv(reviewer: ReviewerStaff, session: ReadSessionDep, settings: SettingsDep,
                      q: Field = "", body_id: Field = "", after: Field = "",
                      before: Field = "") -> Response:
    body, first, last = _parsed(body_id, after, before)
    found = report.run(session, settings.zone, reviewer.actor, body, q or None, first, last,
                       "csv")
    return report.csv_download(found)
