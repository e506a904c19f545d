"""Fees on a request (C.R.S. 24-72-205), and the fee schedules they are computed from."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from app.auth.deps import AdminUser, ClerkUser, RequestReader
from app.core.deps import ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep, paginate
from app.fees import schedules, service
from app.fees.schemas import (
    FeesOut,
    PaymentIn,
    PaymentOut,
    ScheduleChange,
    ScheduleIn,
    ScheduleOut,
    StatementIn,
    StatementOut,
    TimeIn,
    TimeOut,
    WaiverIn,
    WaiverOut,
)
from app.models import Delivery, TimeEntry
from app.requests.lookup import records_request

router = APIRouter(prefix="/api/v1", tags=["fees"])
FEES = "/requests/{request_id}/fees"


@router.post("/requests/{request_id}/time", response_model=TimeOut, status_code=201)
def log_time(request_id: uuid.UUID, body: TimeIn, clerk: ClerkUser, session: SessionDep,
             settings: SettingsDep) -> TimeOut:
    """Research and retrieval time spent on the request, in minutes (> 0)."""
    request = records_request(session, request_id)
    return TimeOut.model_validate(service.log_time(session, clerk, settings, request, body))


@router.get("/requests/{request_id}/time", response_model=Page[TimeOut])
def list_time(request_id: uuid.UUID, _: RequestReader, session: ReadSessionDep,
              page: PageDep) -> Page[TimeOut]:
    request = records_request(session, request_id)
    return paginate(session, select(TimeEntry).where(TimeEntry.request_id == request.id)
                    .order_by(TimeEntry.worked_on, TimeEntry.created_at, TimeEntry.id), page,
                    TimeOut.model_validate)


@router.get(FEES, response_model=FeesOut)
def fees(request_id: uuid.UUID, _: RequestReader, session: ReadSessionDep) -> FeesOut:
    """What was estimated and invoiced, paid and waived, and the balance due."""
    return service.summary(session, records_request(session, request_id))


@router.get(f"{FEES}/estimate", response_model=StatementOut)
def live_estimate(request_id: uuid.UUID, _: RequestReader, session: ReadSessionDep,
                  settings: SettingsDep, pages: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                  delivery: Annotated[Delivery, Query()] = Delivery.email) -> StatementOut:
    """The estimate as the review set stands now (its size x the minutes per document)."""
    request = records_request(session, request_id)
    return service.live_estimate(session, settings, request,
                                 StatementIn(pages=pages, delivery=delivery))


@router.post(f"{FEES}/estimates", response_model=StatementOut, status_code=201)
def issue_estimate(request_id: uuid.UUID, body: StatementIn, clerk: ClerkUser,
                   session: SessionDep, settings: SettingsDep) -> StatementOut:
    """Keep the estimate as issued to the requester, with its explanation."""
    request = records_request(session, request_id)
    return service.statement_out(service.issue_estimate(session, clerk, settings, request, body))


@router.post(f"{FEES}/invoices", response_model=StatementOut, status_code=201)
def issue_invoice(request_id: uuid.UUID, body: StatementIn, clerk: ClerkUser,
                  session: SessionDep, settings: SettingsDep) -> StatementOut:
    """Bill the time logged, the pages and the delivery; the latest invoice is the one owed."""
    request = records_request(session, request_id)
    return service.statement_out(service.issue_invoice(session, clerk, settings, request, body))


@router.post(f"{FEES}/payments", response_model=PaymentOut, status_code=201)
def record_payment(request_id: uuid.UUID, body: PaymentIn, clerk: ClerkUser,
                   session: SessionDep) -> PaymentOut:
    """A payment (no more than is due) or a deposit. Refused on a closed, withdrawn or
    denied request."""
    request = records_request(session, request_id)
    return PaymentOut.model_validate(service.record_payment(session, clerk, request, body))


@router.post(f"{FEES}/waivers", response_model=WaiverOut, status_code=201)
def waive(request_id: uuid.UUID, body: WaiverIn, clerk: ClerkUser,
          session: SessionDep) -> WaiverOut:
    """Waive every fee (no amount) or a part of them, with the reason."""
    request = records_request(session, request_id)
    return WaiverOut.model_validate(service.waive(session, clerk, request, body))


@router.get("/fee-schedules", response_model=Page[ScheduleOut])
def list_schedules(_: RequestReader, session: ReadSessionDep,
                   page: PageDep) -> Page[ScheduleOut]:
    """Every fee schedule, newest first; each is in effect until the next one's day."""
    return paginate(session, schedules.newest_first(), page, ScheduleOut.model_validate)


@router.post("/fee-schedules", response_model=ScheduleOut, status_code=201)
def create_schedule(body: ScheduleIn, admin: AdminUser, session: SessionDep) -> ScheduleOut:
    return ScheduleOut.model_validate(schedules.create(session, admin.actor, body))


@router.patch("/fee-schedules/{schedule_id}", response_model=ScheduleOut)
def change_schedule(schedule_id: uuid.UUID, body: ScheduleChange, admin: AdminUser,
                    session: SessionDep) -> ScheduleOut:
    """Edit a schedule's rates (audited); what was issued keeps its own lines."""
    return ScheduleOut.model_validate(schedules.change(session, admin.actor, schedule_id, body))
