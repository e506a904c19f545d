"""Public bodies (/api/v1/public-bodies, kept by admins) and the Open Meetings report
(/api/v1/open-meetings/report, for the attorney's office and the clerk's)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.auth.deps import AdminUser, PeopleReader, ReviewerUser
from app.core.deps import ReadSessionDep, SessionDep, SettingsDep
from app.core.payload import Day, Text
from app.meetings import report, service
from app.meetings.schemas import BodyIn, BodyOut, BodyPatch, MemberEnd, MemberIn, ReportOut

router = APIRouter(tags=["open meetings"])


@router.get("/api/v1/public-bodies", response_model=list[BodyOut])
def list_bodies(_: PeopleReader, session: ReadSessionDep) -> list[BodyOut]:
    """The council, boards and commissions, with their members' terms and addresses."""
    return [service.shown(session, b) for b in service.bodies(session)]


@router.post("/api/v1/public-bodies", response_model=BodyOut, status_code=201)
def create_body(body: BodyIn, admin: AdminUser, session: SessionDep) -> BodyOut:
    """Add a public body; its quorum defaults to a majority of its seats. Audited."""
    return service.shown(session, service.create(session, admin.actor, body))


@router.get("/api/v1/public-bodies/{body_id}", response_model=BodyOut)
def get_body(body_id: uuid.UUID, _: PeopleReader, session: ReadSessionDep) -> BodyOut:
    return service.shown(session, service.body(session, body_id))


@router.patch("/api/v1/public-bodies/{body_id}", response_model=BodyOut)
def update_body(body_id: uuid.UUID, patch: BodyPatch, admin: AdminUser,
                session: SessionDep) -> BodyOut:
    """Rename it, or change its kind, seats or quorum. Audited with before and after."""
    found = service.update(session, admin.actor, service.body(session, body_id), patch)
    return service.shown(session, found)


@router.post("/api/v1/public-bodies/{body_id}/members", response_model=BodyOut, status_code=201)
def add_member(body_id: uuid.UUID, member: MemberIn, admin: AdminUser,
               session: SessionDep) -> BodyOut:
    """Seat a person of the directory for a term; terms of one person may not overlap."""
    found = service.add_member(session, admin.actor, service.body(session, body_id), member)
    return service.shown(session, found)


@router.post("/api/v1/public-bodies/{body_id}/members/{membership_id}/end",
             response_model=BodyOut)
def end_member(body_id: uuid.UUID, membership_id: uuid.UUID, end: MemberEnd,
               admin: AdminUser, session: SessionDep) -> BodyOut:
    """End a member's term on a day (their last). Audited."""
    found = service.end_member(session, admin.actor, service.body(session, body_id),
                               membership_id, end)
    return service.shown(session, found)


Q = Annotated[Text | None, Query(max_length=200, description=(
    "Only threads whose subject, snippet, members or addresses hold this text"))]
After = Annotated[Day | None, Query(description="Threads that ran on or after this city day")]
Before = Annotated[Day | None, Query(description="Threads that began on or before this day")]


@router.get("/api/v1/open-meetings/report", response_model=ReportOut)
def open_meetings_report(reviewer: ReviewerUser, session: ReadSessionDep, settings: SettingsDep,
                         body_id: uuid.UUID | None = None, q: Q = None, after: After = None,
                         before: Before = None) -> ReportOut:
    """Threads where three or more members of one body, or a quorum, took part; each with
    dates, members, a snippet, the reply that brought in the last member, and why. Audited."""
    return report.run(session, settings.zone, reviewer.actor, body_id, q, after, before, "json")


@router.get("/api/v1/open-meetings/report.csv", responses={200: {"content": {"text/csv": {}}}})
def open_meetings_report_csv(reviewer: ReviewerUser, session: ReadSessionDep,
                             settings: SettingsDep, body_id: uuid.UUID | None = None,
                             q: Q = None, after: After = None, before: Before = None) -> Response:
    """The same report as a spreadsheet-safe CSV. Audited."""
    found = report.run(session, settings.zone, reviewer.actor, body_id, q, after, before, "csv")
    return report.csv_download(found)
