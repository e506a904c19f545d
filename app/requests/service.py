"""The clerk's case file: intake, edits, status transitions, the extension, payment.

Every change is audited in the caller's transaction; two clerks who saved the same
`version` cannot both win (409, nothing changed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict
from app.core.mail import checked_address
from app.core.pagination import Page, PageParams, paginate
from app.core.settings import Settings
from app.core.time import as_utc
from app.letters import service as letters
from app.letters.schemas import LetterCreate
from app.models import LetterKind, RecordsRequest, RequestEvent, RequestStatus, Role, User
from app.requests import timing
from app.requests.schemas import RequestIn, RequestPatch

S = RequestStatus
TERMINAL = timing.STOPPED
RUNNING = frozenset(S) - TERMINAL
ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.received: frozenset({S.in_progress, S.awaiting_payment, S.fulfilled, S.partially_denied,
                           S.denied, S.withdrawn}),
    S.in_progress: frozenset({S.awaiting_payment, S.fulfilled, S.partially_denied, S.denied,
                              S.withdrawn}),
    S.awaiting_payment: frozenset({S.in_progress, S.fulfilled, S.partially_denied, S.withdrawn,
                                   S.closed}),
    S.fulfilled: frozenset({S.closed}),
    S.partially_denied: frozenset({S.closed}),
    S.denied: frozenset({S.closed}),
    S.withdrawn: frozenset({S.closed}),
    S.closed: frozenset(),
}


def snapshot(request: RecordsRequest) -> dict[str, Any]:
    """What an audit entry keeps of a request (the explanation is kept on the row)."""
    kept: dict[str, Any] = audit.jsonable({
        "number": request.number, "requester_name": request.requester_name,
        "requester_email": request.requester_email,
        "requester_contact": request.requester_contact,
        "requester_organization": request.requester_organization,
        "category": request.category, "description": request.description,
        "channel": request.channel, "received_at": request.received_at,
        "assigned_to_id": request.assigned_to_id, "departments": request.departments,
        "status": request.status, **timing.due_dates(request), "version": request.version,
    })
    return kept


def _check_received_at(session: Session, received_at: datetime) -> datetime:
    now = clock_of(session).now()
    received_at = as_utc(received_at)
    if received_at > now:
        raise BadRequest(f"received_at {received_at.isoformat()} is in the future; the clock "
                         f"says it is {now.isoformat()}.")
    return received_at


def _check_assignee(session: Session, user_id: uuid.UUID | None) -> None:
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None or not user.is_active or not user.roles & {Role.clerk, Role.admin}:
        raise BadRequest("assigned_to_id must be an active clerk's (or admin's) user id.")


def _next_number(session: Session, year: int) -> str:
    last = session.scalar(select(RecordsRequest.number)
                          .where(RecordsRequest.number.like(f"{year}-%"))
                          .order_by(func.length(RecordsRequest.number).desc(),
                                    RecordsRequest.number.desc()).limit(1))
    return f"{year}-{(int(last.split('-')[1]) if last else 0) + 1:04d}"


def _event(session: Session, actor: Actor, request: RecordsRequest,
           from_status: RequestStatus | None, to_status: RequestStatus, reason: str) -> None:
    last = session.scalar(select(func.max(RequestEvent.seq))
                          .where(RequestEvent.request_id == request.id))
    session.add(RequestEvent(
        request_id=request.id, seq=(last or 0) + 1, from_status=from_status,
        to_status=to_status, reason=reason,
        actor=actor.name, actor_id=uuid.UUID(actor.user_id) if actor.user_id else None,
        occurred_at=clock_of(session).now()))


def save(session: Session, request: RecordsRequest) -> None:
    """Flush, answering 409 when another transaction saved this request meanwhile."""
    number = request.number  # after a failed flush the row can no longer be read
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"Request {number} was changed by someone else meanwhile; "
                       "reload it and try again.") from exc


def _check_version(request: RecordsRequest, version: int) -> None:
    if version != request.version:
        raise Conflict(f"Request {request.number} has changed since you read it (you sent "
                       f"version {version}; it is at version {request.version}); reload it "
                       "and try again.", current_version=request.version)


def _mailable(address: str) -> str:
    """The requester's address, refused now (400) if letters could not be sent to it later;
    none at all is allowed (CORA lets no one demand contact details)."""
    return checked_address(address) if address.strip() else ""


def create(session: Session, actor: Actor, body: RequestIn, zone: ZoneInfo) -> RecordsRequest:
    """Take in a request: number it, time it by the rule set in force, audit it."""
    received_at = _check_received_at(session, body.received_at or clock_of(session).now())
    _check_assignee(session, body.assigned_to_id)
    fields = body.model_dump(exclude={"received_at"})
    fields["requester_email"] = _mailable(fields["requester_email"])
    year = received_at.astimezone(zone).year
    for _ in range(5):  # two clerks numbering at once: the second takes the next number
        request = RecordsRequest(**fields, received_at=received_at, status=S.received,
                                 number=_next_number(session, year), version=1)
        timing.retime(session, request, zone)
        try:
            with session.begin_nested():
                session.add(request)
                session.flush()
            break
        except IntegrityError:
            continue
    else:
        raise Conflict("Could not number the request; try again.")
    _event(session, actor, request, None, S.received, "received")
    session.flush()
    audit.record(session, actor, "request.create", "records_request", request.id,
                 after=snapshot(request), explanation=request.clock["summary"])
    return request


def update(session: Session, actor: Actor, request: RecordsRequest, body: RequestPatch,
           zone: ZoneInfo) -> RecordsRequest:
    _check_version(request, body.version)
    changes = body.changes()
    if "received_at" in changes:
        changes["received_at"] = _check_received_at(session, changes["received_at"])
    if "assigned_to_id" in changes:
        _check_assignee(session, changes["assigned_to_id"])
    if "requester_email" in changes:
        changes["requester_email"] = _mailable(changes["requester_email"] or "")
    before = snapshot(request)
    for name, value in changes.items():
        setattr(request, name, value)
    if {"received_at", "category"} & changes.keys():
        timing.retime(session, request, zone)
    save(session, request)
    after = snapshot(request)
    changed = {k for k in after if after[k] != before[k] and k != "version"}
    if not changed:
        return request
    audit.record(session, actor, "request.update", "records_request", request.id,
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return request


def transition(session: Session, actor: Actor, request: RecordsRequest, to: RequestStatus,
               reason: str, version: int) -> RecordsRequest:
    """Move a request along the allowed transitions, with who and why."""
    _check_version(request, version)
    allowed = ALLOWED[request.status]
    if to not in allowed:
        options = ", ".join(sorted(allowed)) or "none: it is closed"
        raise Conflict(f"A request that is {request.status} cannot become {to}; it may become: "
                       f"{options}.", allowed=sorted(allowed))
    _move(session, actor, request, to, reason)
    return request


def _move(session: Session, actor: Actor, request: RecordsRequest, to: RequestStatus,
          reason: str) -> None:
    before = request.status
    request.status = to
    if to in TERMINAL and request.closed_at is None:
        request.closed_at = clock_of(session).now()
    save(session, request)
    _event(session, actor, request, before, to, reason)
    session.flush()
    audit.record(session, actor, "request.transition", "records_request", request.id,
                 before={"status": before}, after={"status": to}, reason=reason)


def extend(session: Session, actor: Actor, request: RecordsRequest, reason: str, version: int,
           settings: Settings) -> RecordsRequest:
    """Take the extension and send its notice now; refused once the original period is over."""
    zone = settings.zone
    _check_version(request, version)
    if request.status not in RUNNING:
        raise Conflict(f"Request {request.number} is {request.status}: its clock has stopped.")
    if request.extension_noticed_at is not None:
        raise Conflict(f"Request {request.number} was already extended, to "
                       f"{request.extended_due_date}.")
    now = clock_of(session).now()
    today = now.astimezone(zone).date()
    if today > request.due_date:
        raise Conflict(
            f"Too late to extend request {request.number}: the notice must be sent within the "
            f"original period (C.R.S. 24-72-203), which ended on {request.due_date}; it is "
            f"{today} in {zone.key}.", original_due_date=request.due_date.isoformat())
    before = timing.due_dates(request)
    request.extension_noticed_at, request.extension_reason = now, reason
    timing.retime(session, request, zone)
    save(session, request)
    audit.record(session, actor, "request.extend", "records_request", request.id,
                 before=before, after=timing.due_dates(request), reason=reason)
    extension_notice(session, actor, request, settings)
    return request


def extension_notice(session: Session, actor: Actor, request: RecordsRequest,
                     settings: Settings) -> None:
    """The extension notice (a letter stating the reason and the new date), drawn and queued
    in the extension's own transaction: the extension and its notice land together or not
    at all, and the notice is sent when the extension is taken, inside the original period."""
    notice = LetterCreate(kind=LetterKind.extension_notice)
    draft = letters.draft_letter(session, settings, request.id, notice)
    letters.file_letter(session, actor, BlobStore(settings.natives_dir), draft)


def records_due_after_payment(session: Session, actor: Actor, request: RecordsRequest,
                              paid_at: datetime) -> RecordsRequest:
    """Payment received at `paid_at`: the records are due the rule set's delivery days of
    working days after it; a request awaiting payment goes back in progress. Audited."""
    if request.status not in RUNNING:
        raise Conflict(f"Request {request.number} is {request.status}: its clock has stopped.")
    paid_at = _check_received_at(session, paid_at)
    if paid_at < request.received_at:
        raise BadRequest("paid_at is before the request was received.")
    before = timing.due_dates(request)
    request.paid_at = paid_at
    timing.retime(session, request, timing.zone_of(request))
    save(session, request)
    audit.record(session, actor, "request.paid", "records_request", request.id,
                 before=before, after=timing.due_dates(request))
    if request.status == S.awaiting_payment:
        _move(session, actor, request, S.in_progress, "payment received")
    return request


def current_due_column() -> ColumnElement[date]:
    return func.coalesce(RecordsRequest.delivery_due_date, RecordsRequest.extended_due_date,
                         RecordsRequest.due_date)


@dataclass(frozen=True)
class Filters:
    """Which requests a list shows (the API's query parameters, the page's filters)."""

    status: Sequence[RequestStatus] = ()
    overdue: bool | None = None
    due_soon: bool | None = None
    assigned_to: uuid.UUID | None = None
    unassigned: bool = False  # only those nobody is assigned to


def listing(session: Session, today: timing.Today, filters: Filters,
            page: PageParams) -> Page[RecordsRequest]:
    """A page of requests, oldest deadline first: the one list the API and the pages show."""
    due = current_due_column()
    query = select(RecordsRequest).order_by(due, RecordsRequest.number)
    if filters.status:
        query = query.where(RecordsRequest.status.in_(filters.status))
    if filters.assigned_to:
        query = query.where(RecordsRequest.assigned_to_id == filters.assigned_to)
    if filters.unassigned:
        query = query.where(RecordsRequest.assigned_to_id.is_(None))
    ticking = (RecordsRequest.status.in_(RUNNING)
               & ((RecordsRequest.status != RequestStatus.awaiting_payment)
                  | RecordsRequest.paid_at.is_not(None)))
    if filters.overdue is not None:
        late = ticking & (due < today.day)
        query = query.where(late if filters.overdue else ~late)
    if filters.due_soon is not None:
        soon = ticking & (due >= today.day) & (due <= today.next_working_day)
        query = query.where(soon if filters.due_soon else ~soon)
    return paginate(session, query, page, lambda row: row)


def events(session: Session, request: RecordsRequest) -> list[RequestEvent]:
    """The request's status history, oldest first."""
    return list(session.scalars(select(RequestEvent).where(RequestEvent.request_id == request.id)
                                .order_by(RequestEvent.seq)))
