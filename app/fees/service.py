"""Fees on a request: time logged, estimates, invoices, payments, deposits and waivers.

The amounts come from app.fees.rules (pure); this module reads the rates in effect,
stores what was issued with its explanation, and audits every change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.auth.deps import Principal
from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict
from app.core.settings import Settings
from app.fees import rules
from app.fees.schedules import rates_on
from app.fees.schemas import (
    FeesOut,
    LineOut,
    PaymentIn,
    PaymentOut,
    StatementIn,
    StatementOut,
    TimeIn,
    WaiverIn,
    WaiverOut,
)
from app.models import (
    FeePayment,
    FeeStatement,
    FeeWaiver,
    PaymentKind,
    RecordsRequest,
    RequestStatus,
    TimeEntry,
)
from app.requests.service import records_due_after_payment
from app.review.citations import today
from app.review.service import set_size

FINISHED = frozenset({RequestStatus.closed, RequestStatus.withdrawn, RequestStatus.denied})


class RequestFinished(Conflict):
    code = "request_finished"


class Overpayment(BadRequest):
    code = "overpayment"


def _lines(lines: list[rules.Line]) -> list[dict[str, str | None]]:
    return [line.as_json() for line in lines]


def log_time(session: Session, principal: Principal, settings: Settings,
             request: RecordsRequest, body: TimeIn) -> TimeEntry:
    """Research and retrieval time a clerk spent on the request (minutes > 0, not ahead)."""
    now = today(session, settings)
    received = request.received_at.astimezone(settings.zone).date()
    if body.worked_on > now:
        raise BadRequest("Time cannot be logged for a day still to come.",
                         worked_on=body.worked_on.isoformat())
    if body.worked_on < received:
        raise BadRequest(f"Request {request.number} was received on {received.isoformat()}: "
                         "no time was spent on it before.", worked_on=body.worked_on.isoformat())
    entry = TimeEntry(request_id=request.id, clerk_id=principal.user.id,
                      clerk=principal.user.username, **body.model_dump())
    session.add(entry)
    session.flush()
    audit.record(session, principal.actor, "fee.time_logged", "records_request", request.id,
                 request_number=request.number, time_entry_id=str(entry.id),
                 minutes=entry.minutes, worked_on=entry.worked_on.isoformat(), note=entry.note)
    return entry


def time_entries(request: RecordsRequest) -> Select[TimeEntry]:
    """The query of a request's time entries, in the order worked."""
    return (select(TimeEntry).where(TimeEntry.request_id == request.id)
            .order_by(TimeEntry.worked_on, TimeEntry.created_at, TimeEntry.id))


def minutes_logged(session: Session, request: RecordsRequest) -> int:
    return session.scalar(select(func.coalesce(func.sum(TimeEntry.minutes), 0))
                          .where(TimeEntry.request_id == request.id)) or 0


def statement_out(found: FeeStatement | None, *, schedule_id: Any = None, documents: int = 0,
               minutes: int = 0, body: StatementIn | None = None, fee: rules.Fee | None = None,
               ) -> StatementOut:
    if found is not None:
        return StatementOut(
            id=found.id, kind="invoice" if found.is_invoice else "estimate", number=found.number,
            schedule_id=found.schedule_id, documents=found.documents, minutes=found.minutes,
            pages=found.pages, delivery=found.delivery, amount=found.amount,
            lines=[LineOut.model_validate(line) for line in found.lines],
            issued_by=found.issued_by, created_at=found.created_at)
    assert body is not None and fee is not None
    return StatementOut(id=None, kind="estimate", number=None, schedule_id=schedule_id, documents=documents,
                        minutes=minutes, pages=body.pages, delivery=body.delivery,
                        amount=fee.amount,
                        lines=[LineOut.model_validate(line.as_json()) for line in fee.lines],
                        issued_by="", created_at=None)


def live_estimate(session: Session, settings: Settings, request: RecordsRequest,
                  body: StatementIn) -> StatementOut:
    """The estimate as the review set stands now: its size x the minutes per document."""
    schedule_id, rates = rates_on(session, today(session, settings))
    documents = set_size(session, request)
    fee = rules.estimate(rates, documents, body.pages, body.delivery.value)
    return statement_out(None, schedule_id=schedule_id, documents=documents,
                      minutes=documents * rates.minutes_per_document, body=body, fee=fee)


def _issue(session: Session, principal: Principal, request: RecordsRequest, invoice: bool,
           schedule_id: Any, documents: int, minutes: int, body: StatementIn,
           fee: rules.Fee) -> FeeStatement:
    latest = _latest(session, request, invoice)
    statement = FeeStatement(
        request_id=request.id, is_invoice=invoice, number=latest.number + 1 if latest else 1,
        schedule_id=schedule_id, documents=documents,
        minutes=minutes, pages=body.pages, delivery=body.delivery, amount=fee.amount,
        lines=_lines(fee.lines), issued_by_id=principal.user.id,
        issued_by=principal.user.username)
    session.add(statement)
    session.flush()
    audit.record(session, principal.actor, "fee.invoice" if invoice else "fee.estimate",
                 "records_request", request.id, request_number=request.number,
                 statement_id=str(statement.id), number=statement.number,
                 amount=str(fee.amount), minutes=minutes, pages=body.pages,
                 delivery=body.delivery.value, lines=_lines(fee.lines))
    return statement


def issue_estimate(session: Session, principal: Principal, settings: Settings,
                   request: RecordsRequest, body: StatementIn) -> FeeStatement:
    """Keep the live estimate as issued to the requester."""
    live = live_estimate(session, settings, request, body)
    fee = rules.Fee(live.amount, [rules.Line(line.text, line.amount) for line in live.lines])
    return _issue(session, principal, request, False, live.schedule_id, live.documents,
                  live.minutes, body, fee)


def issue_invoice(session: Session, principal: Principal, settings: Settings,
                  request: RecordsRequest, body: StatementIn) -> FeeStatement:
    """Bill the time logged, the pages and the delivery; it replaces any earlier invoice."""
    was_settled = balance(session, request).settled
    schedule_id, rates = rates_on(session, today(session, settings))
    minutes = minutes_logged(session, request)
    fee = rules.fee(rates, minutes, body.pages, body.delivery.value)
    statement = _issue(session, principal, request, True, schedule_id, 0, minutes, body, fee)
    _settled_now(session, principal.actor, request, was_settled, clock_of(session).now())
    return statement


def _latest(session: Session, request: RecordsRequest, invoice: bool) -> FeeStatement | None:
    return session.scalar(select(FeeStatement).where(
        FeeStatement.request_id == request.id, FeeStatement.is_invoice.is_(invoice))
        .order_by(FeeStatement.number.desc()).limit(1))


def _payments(session: Session, request: RecordsRequest) -> list[FeePayment]:
    return list(session.scalars(select(FeePayment).where(FeePayment.request_id == request.id)
                                .order_by(FeePayment.received_at, FeePayment.created_at,
                                          FeePayment.id)))


def _waivers(session: Session, request: RecordsRequest) -> list[FeeWaiver]:
    return list(session.scalars(select(FeeWaiver).where(FeeWaiver.request_id == request.id)
                                .order_by(FeeWaiver.created_at, FeeWaiver.id)))


def balance(session: Session, request: RecordsRequest) -> rules.Balance:
    invoice = _latest(session, request, True)
    return rules.balance(invoice.amount if invoice else None,
                         [w.amount for w in _waivers(session, request)],
                         [(p.kind.value, p.amount) for p in _payments(session, request)])


def record_payment(session: Session, principal: Principal, request: RecordsRequest,
                   body: PaymentIn) -> FeePayment:
    """A payment (at most what is due) or a deposit (taken before the invoice, any amount)."""
    if request.status in FINISHED:
        raise RequestFinished(f"Request {request.number} is {request.status.value}: it takes "
                              "no payments.", request_status=request.status.value)
    if not request.received_at <= body.received_at <= clock_of(session).now():
        raise BadRequest("A payment is received after the request and not in the future.",
                         received_at=body.received_at.isoformat())
    before = balance(session, request)
    if body.kind == PaymentKind.payment and body.amount > before.due:
        raise Overpayment(f"Only ${before.due:,.2f} is due: record more as a deposit, if the "
                          "city's policy provides for one.", due=str(before.due),
                          amount=str(body.amount))
    payment = FeePayment(request_id=request.id, recorded_by_id=principal.user.id,
                         recorded_by=principal.user.username, **body.model_dump())
    session.add(payment)
    session.flush()
    audit.record(session, principal.actor, f"fee.{body.kind.value}", "records_request",
                 request.id, request_number=request.number, payment_id=str(payment.id),
                 amount=str(payment.amount), method=payment.method.value,
                 reference=payment.reference, received_at=payment.received_at.isoformat())
    _settled_now(session, principal.actor, request, before.settled, payment.received_at)
    return payment


def waive(session: Session, principal: Principal, request: RecordsRequest,
          body: WaiverIn) -> FeeWaiver:
    reason = body.reason.strip()
    if len(reason) < 3:
        raise BadRequest("A waiver needs its reason.")
    was_settled = balance(session, request).settled
    waiver = FeeWaiver(request_id=request.id, amount=body.amount, reason=reason,
                       recorded_by_id=principal.user.id, recorded_by=principal.user.username)
    session.add(waiver)
    session.flush()
    audit.record(session, principal.actor, "fee.waiver", "records_request", request.id,
                 request_number=request.number, waiver_id=str(waiver.id),
                 amount=None if body.amount is None else str(body.amount), reason=reason)
    _settled_now(session, principal.actor, request, was_settled, clock_of(session).now())
    return waiver


def _settled_now(session: Session, actor: Actor, request: RecordsRequest, was_settled: bool,
                 paid_at: datetime) -> None:
    after = balance(session, request)
    if after.settled and not was_settled:
        _records_now_due(session, actor, request, paid_at, after)


def _records_now_due(session: Session, actor: Actor, request: RecordsRequest,
                     paid_at: datetime, settled: rules.Balance) -> None:
    """The fees are settled (paid, covered by a deposit, or waived): the records are due the
    rule set's delivery days after it (C.R.S. 24-72-205), and the request's clock says so."""
    audit.record(session, actor, "fees.paid_in_full", "records_request", request.id,
                 request_number=request.number, paid_at=paid_at.isoformat(),
                 charged=str(settled.charged), waived=str(settled.waived),
                 paid=str(settled.paid))
    records_due_after_payment(session, actor, request, paid_at)


def summary(session: Session, request: RecordsRequest) -> FeesOut:
    found = balance(session, request)
    estimate, invoice = _latest(session, request, False), _latest(session, request, True)
    return FeesOut(
        request_id=request.id, minutes_logged=minutes_logged(session, request),
        estimate=statement_out(estimate) if estimate else None,
        invoice=statement_out(invoice) if invoice else None,
        payments=[PaymentOut.model_validate(p) for p in _payments(session, request)],
        waivers=[WaiverOut.model_validate(w) for w in _waivers(session, request)],
        charged=found.charged, waived=found.waived, paid=found.paid, due=found.due,
        credit=found.credit, settled=found.settled,
        lines=[LineOut.model_validate(line.as_json()) for line in found.lines])

