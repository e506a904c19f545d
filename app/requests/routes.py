"""Records requests (CORA) and the clock's data: /api/v1/requests and /api/v1/clock."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.deps import AdminUser, ClerkUser, RequestReader
from app.core.deps import ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep, paginate
from app.core.settings import Settings
from app.models import RecordsRequest, RequestEvent, RequestStatus
from app.requests import reports, rules, service, timing
from app.requests.calendar import legal_holidays
from app.requests.lookup import records_request
from app.requests.schemas import (
    ClockOut,
    ClosureChange,
    ClosureIn,
    ClosureOut,
    EventOut,
    ExtensionIn,
    HolidayOut,
    RequestIn,
    RequestOut,
    RequestPatch,
    RuleSetIn,
    RuleSetOut,
    SummaryOut,
    TransitionIn,
)

router = APIRouter(prefix="/api/v1", tags=["requests"])

def show(request: RecordsRequest, today: timing.Today, settings: Settings) -> RequestOut:
    return RequestOut(
        **{name: getattr(request, name) for name in RequestOut.model_fields
           if name not in {"received_at_local", "current_due_date", "due_soon", "overdue"}},
        received_at_local=request.received_at.astimezone(settings.zone).isoformat(),
        current_due_date=timing.current_due(request), due_soon=today.due_soon(request),
        overdue=today.overdue(request))


def _one(session: Session, request: RecordsRequest, settings: Settings) -> RequestOut:
    return show(request, timing.Today(session, settings.zone), settings)


@router.post("/requests", response_model=RequestOut, status_code=201)
def create_request(body: RequestIn, clerk: ClerkUser, session: SessionDep,
                   settings: SettingsDep) -> RequestOut:
    """Take in a records request. Its due date and the clock's explanation come back;
    neither can be set by hand. `received_at` defaults to now and may not be in the future."""
    request = service.create(session, clerk.actor, body, settings.zone)
    return _one(session, request, settings)


@router.get("/requests", response_model=Page[RequestOut])
def list_requests(
    _: RequestReader, session: ReadSessionDep, settings: SettingsDep, page: PageDep,
    status: Annotated[list[RequestStatus] | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="Past the due date, clock running")] = None,
    due_soon: Annotated[bool | None, Query(description="Due today or the next working day")
                        ] = None,
    assigned_to: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[RequestOut]:
    """Requests, oldest deadline first."""
    today = timing.Today(session, settings.zone)
    due = service.current_due_column()
    query = select(RecordsRequest).order_by(due, RecordsRequest.number)
    if status:
        query = query.where(RecordsRequest.status.in_(status))
    if assigned_to:
        query = query.where(RecordsRequest.assigned_to_id == assigned_to)
    ticking = (RecordsRequest.status.in_(service.RUNNING)
               & ((RecordsRequest.status != RequestStatus.awaiting_payment)
                  | RecordsRequest.paid_at.is_not(None)))
    if overdue is not None:
        late = ticking & (due < today.day)
        query = query.where(late if overdue else ~late)
    if due_soon is not None:
        soon = ticking & (due >= today.day) & (due <= today.next_working_day)
        query = query.where(soon if due_soon else ~soon)
    return paginate(session, query, page, lambda r: show(r, today, settings))


@router.get("/requests/reports/summary", response_model=SummaryOut,
            responses={200: {"content": {"text/csv": {}}}})
def request_summary(_: RequestReader, session: ReadSessionDep, settings: SettingsDep,
                    format: Annotated[Literal["json", "csv"], Query()] = "json",
                    ) -> SummaryOut | Response:
    """By status, by month of receipt, median working days to close, overdue; JSON or CSV."""
    found = reports.summary(session, settings.zone)
    if format == "csv":
        return Response(reports.as_csv(found), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="requests.csv"'})
    return found


@router.get("/requests/{request_id}", response_model=RequestOut)
def get_request(request_id: uuid.UUID, _: RequestReader, session: ReadSessionDep,
                settings: SettingsDep) -> RequestOut:
    return _one(session, records_request(session, request_id), settings)


@router.patch("/requests/{request_id}", response_model=RequestOut)
def update_request(request_id: uuid.UUID, body: RequestPatch, clerk: ClerkUser,
                   session: SessionDep, settings: SettingsDep) -> RequestOut:
    """Change the fields sent. A stale `version` answers 409 and changes nothing."""
    request = service.update(session, clerk.actor, records_request(session, request_id), body,
                             settings.zone)
    return _one(session, request, settings)


@router.post("/requests/{request_id}/transitions", response_model=RequestOut)
def transition_request(request_id: uuid.UUID, body: TransitionIn, clerk: ClerkUser,
                       session: SessionDep, settings: SettingsDep) -> RequestOut:
    """Change the status (only along the allowed transitions), with the reason."""
    request = service.transition(session, clerk.actor, records_request(session, request_id),
                                 body.to, body.reason, body.version)
    return _one(session, request, settings)


@router.post("/requests/{request_id}/extension", response_model=RequestOut)
def extend_request(request_id: uuid.UUID, body: ExtensionIn, clerk: ClerkUser,
                   session: SessionDep, settings: SettingsDep) -> RequestOut:
    """Take the extension for extenuating circumstances; 409 once the original period is over."""
    request = service.extend(session, clerk.actor, records_request(session, request_id),
                             body.reason, body.version, settings)
    return _one(session, request, settings)


@router.get("/requests/{request_id}/events", response_model=list[EventOut])
def request_events(request_id: uuid.UUID, _: RequestReader,
                   session: ReadSessionDep) -> list[EventOut]:
    """The status history: from, to, why, who, when."""
    records_request(session, request_id)
    events = session.scalars(select(RequestEvent).where(RequestEvent.request_id == request_id)
                             .order_by(RequestEvent.seq))
    return [EventOut.model_validate(event) for event in events]


@router.get("/requests/{request_id}/clock", response_model=ClockOut)
def request_clock(request_id: uuid.UUID, _: RequestReader, session: ReadSessionDep,
                  settings: SettingsDep) -> ClockOut:
    """How the due dates were computed: each day counted or skipped and why, the rule set."""
    request = records_request(session, request_id)
    today = timing.Today(session, settings.zone)
    return ClockOut(request_id=request.id, number=request.number, today=today.day,
                    current_due_date=timing.current_due(request),
                    due_soon=today.due_soon(request), overdue=today.overdue(request),
                    explanation=request.clock)


@router.get("/clock/rule-sets", response_model=list[RuleSetOut])
def list_rule_sets(_: RequestReader, session: ReadSessionDep) -> list[RuleSetOut]:
    return [RuleSetOut.model_validate(row) for row in rules.rule_sets(session)]


@router.post("/clock/rule-sets", response_model=RuleSetOut, status_code=201)
def add_rule_set(body: RuleSetIn, admin: AdminUser, session: SessionDep,
                 settings: SettingsDep) -> RuleSetOut:
    """Add the clock's rules from a future date (a new statute). Audited. A date of today
    or earlier is refused: requests already received keep the rules they were timed by."""
    return RuleSetOut.model_validate(rules.add_rule_set(session, admin.actor, body,
                                                        settings.zone))


@router.get("/clock/closures", response_model=list[ClosureOut])
def list_closures(_: RequestReader, session: ReadSessionDep) -> list[ClosureOut]:
    return [ClosureOut.model_validate(row) for row in rules.closures(session)]


@router.post("/clock/closures", response_model=ClosureChange, status_code=201)
def add_closure(body: ClosureIn, admin: AdminUser, session: SessionDep) -> ClosureChange:
    """Close the city on a day: running requests' due dates move (each move audited)."""
    closure, retimed = rules.add_closure(session, admin.actor, body.day, body.name)
    return ClosureChange(closure=ClosureOut.model_validate(closure), retimed=retimed)


@router.delete("/clock/closures/{closure_id}", response_model=ClosureChange)
def remove_closure(closure_id: uuid.UUID, admin: AdminUser, session: SessionDep
                   ) -> ClosureChange:
    """Reopen a day: running requests' due dates move back (each move audited)."""
    closure, retimed = rules.remove_closure(session, admin.actor, closure_id)
    return ClosureChange(closure=ClosureOut.model_validate(closure), retimed=retimed)


@router.get("/clock/holidays", response_model=list[HolidayOut])
def list_holidays(_: RequestReader,
                  year: Annotated[int, Query(ge=2000, le=2100)]) -> list[HolidayOut]:
    """Colorado's legal holidays of a year (observed dates included), from `holidays`."""
    return [HolidayOut(day=day, name=name) for day, name in legal_holidays(year, year).items()]
