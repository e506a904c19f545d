"""Between the stored request and the pure clock: which rule set, which calendar, and the
flags (due soon, overdue) as of the app clock's today."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import clock_of
from app.core.errors import Conflict
from app.core.settings import Settings
from app.models import ClockRuleSet, RecordsRequest, RequestStatus
from app.requests import clock
from app.requests.calendar import city_calendar

STOPPED = frozenset({RequestStatus.fulfilled, RequestStatus.partially_denied,
                     RequestStatus.denied, RequestStatus.withdrawn, RequestStatus.closed})


def as_rules(row: ClockRuleSet) -> clock.RuleSet:
    return clock.RuleSet(
        id=str(row.id), effective_from=row.effective_from, response_days=row.response_days,
        extension_days=row.extension_days, receipt_day_counts=row.receipt_day_counts,
        delivery_days=row.delivery_days, citation=row.citation,
        cutoff=row.business_hours_cutoff, category_overrides=row.category_overrides,
        note=row.note)


def rule_set_on(session: Session, day: date) -> ClockRuleSet:
    """The rule set in force on a (local) date."""
    row = session.scalars(select(ClockRuleSet).where(ClockRuleSet.effective_from <= day)
                          .order_by(ClockRuleSet.effective_from.desc()).limit(1)).first()
    if row is None:
        raise Conflict(f"No clock rule set is in force on {day}; an administrator must add one.")
    return row


def zone_of(request: RecordsRequest) -> ZoneInfo:
    """The zone the request was timed in at intake (a row made without the clock: the
    default city zone)."""
    return ZoneInfo(request.clock.get("zone") or Settings.model_fields["time_zone"].default)


def retime(session: Session, request: RecordsRequest, zone: ZoneInfo) -> None:
    """Compute the request's due dates again from its facts, and keep the explanation."""
    with session.no_autoflush:  # one UPDATE (one version) for the change and its new dates
        _retime(session, request, zone)


def _retime(session: Session, request: RecordsRequest, zone: ZoneInfo) -> None:
    received = request.received_at.astimezone(zone)
    rules = rule_set_on(session, received.date())
    last_year = request.paid_at.astimezone(zone).year if request.paid_at else received.year
    deadline = clock.compute(as_rules(rules), city_calendar(session, received.year, last_year),
                             request.received_at, zone, str(request.category),
                             extended=request.extension_noticed_at is not None,
                             paid_at=request.paid_at)
    request.rule_set_id = rules.id
    request.due_date = deadline.due_date
    request.extended_due_date = deadline.extended_due_date
    request.delivery_due_date = deadline.delivery_due_date
    explanation = deadline.explanation
    if request.extension_noticed_at is not None:
        explanation["extension"] = {
            "noticed_at": request.extension_noticed_at.isoformat(),
            "reason": request.extension_reason}
    request.clock = explanation


def due_dates(request: RecordsRequest) -> dict[str, Any]:
    return {"due_date": _iso(request.due_date),
            "extended_due_date": _iso(request.extended_due_date),
            "delivery_due_date": _iso(request.delivery_due_date)}


def current_due(request: RecordsRequest) -> date:
    return request.delivery_due_date or request.extended_due_date or request.due_date


def ticking(request: RecordsRequest) -> bool:
    """Whether the city owes an answer now: not stopped, and not waiting to be paid."""
    if request.status in STOPPED:
        return False
    return not (request.status == RequestStatus.awaiting_payment and request.paid_at is None)


class Today:
    """The clock's today in the city's zone and its next working day, for the flags."""

    def __init__(self, session: Session, zone: ZoneInfo) -> None:
        self.day = clock_of(session).now().astimezone(zone).date()
        self.next_working_day = city_calendar(session, self.day.year).next_working_day(self.day)
        self._session = session
        self._calendars: dict[tuple[int, int], clock.Calendar] = {}

    def working_days_left(self, request: RecordsRequest) -> int:
        """Working days from today to the deadline that applies now (negative: overdue by)."""
        due = current_due(request)
        first, last = sorted((self.day, due))
        key = (first.year, last.year)
        if key not in self._calendars:
            self._calendars[key] = city_calendar(self._session, *key)
        between = clock.working_days_between(self._calendars[key], first, last)
        return between if due >= self.day else -between

    def overdue(self, request: RecordsRequest) -> bool:
        return ticking(request) and self.day > current_due(request)

    def due_soon(self, request: RecordsRequest) -> bool:
        """Due today or on the next working day."""
        return ticking(request) and self.day <= current_due(request) <= self.next_working_day


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
