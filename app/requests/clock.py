"""The CORA clock, pure: rules + calendar + when a request arrived -> due dates and why.

No database, no "now": the caller passes the rule set in force, the city's
non-working days and the times. The explanation lists every day looked at after
receipt, counted or skipped and why, so a clerk (or a court) can check the count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.core.time import as_utc

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class RuleSet:
    """The clock's law on one date (a row of clock_rule_sets)."""

    id: str
    effective_from: date
    response_days: int
    extension_days: int
    receipt_day_counts: bool
    delivery_days: int
    citation: str
    cutoff: time | None = None  # local; received after it = received the next working day
    category_overrides: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    note: str = ""

    def days_for(self, category: str) -> tuple[int, int]:
        """(response, extension) working days for a requester category."""
        override = self.category_overrides.get(category, {})
        return (override.get("response_days", self.response_days),
                override.get("extension_days", self.extension_days))


@dataclass(frozen=True)
class Calendar:
    """Non-working days other than weekends: legal holidays and city closures, by name."""

    closed: Mapping[date, str] = field(default_factory=dict)

    def why_closed(self, day: date) -> str | None:
        """Why `day` is not a working day, or None when it is one."""
        weekend = WEEKDAYS[day.weekday()] if day.weekday() >= 5 else None
        named = self.closed.get(day)
        if weekend and named:
            return f"weekend ({weekend}; also {named})"
        if weekend:
            return f"weekend ({weekend})"
        return named

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while self.why_closed(day):
            day += timedelta(days=1)
        return day


@dataclass(frozen=True)
class Deadline:
    due_date: date
    extended_due_date: date | None
    delivery_due_date: date | None
    explanation: dict[str, Any]


def count_working_days(calendar: Calendar, after: date, days: int, counted_as: str
                       ) -> tuple[date, list[dict[str, Any]]]:
    """The `days`-th working day after `after`, and each day looked at on the way."""
    log: list[dict[str, Any]] = []
    day, count = after, 0
    while count < days:
        day += timedelta(days=1)
        why = calendar.why_closed(day)
        if why:
            log.append({"date": day.isoformat(), "counted": False, "why": why})
            continue
        count += 1
        log.append({"date": day.isoformat(), "counted": True, "count": count,
                    "why": f"{counted_as} working day {count} of {days}"})
    return day, log


def _receipt(rules: RuleSet, calendar: Calendar, local: datetime
             ) -> tuple[date, list[dict[str, Any]]]:
    """The day counting starts after, with the notes on how it was chosen."""
    day = local.date()
    notes: list[dict[str, Any]] = []
    if rules.cutoff is not None:
        # A business-hours policy: after the cutoff, or on a day the city is closed,
        # a request counts as received on the next working day.
        closed = calendar.why_closed(day)
        late = local.time() > rules.cutoff
        if closed or late:
            deemed = calendar.next_working_day(day)
            why = (f"received on a non-working day: {closed}" if closed else
                   f"received at {local.strftime('%H:%M')}, after the "
                   f"{rules.cutoff.strftime('%H:%M')} cutoff")
            notes.append({"date": day.isoformat(), "counted": False,
                          "why": f"{why}; counts as received {deemed.isoformat()}"})
            day = deemed
    if rules.receipt_day_counts and not calendar.why_closed(day):
        return day - timedelta(days=1), notes  # the receipt day itself is day 1
    notes.append({"date": day.isoformat(), "counted": False,
                  "why": "day of receipt, not counted"})
    return day, notes


def compute(rules: RuleSet, calendar: Calendar, received_at: datetime, zone: ZoneInfo,
            category: str, *, extended: bool = False, paid_at: datetime | None = None
            ) -> Deadline:
    """Due dates for a request received at `received_at`: the response, the extended
    response (when noticed), the delivery after payment (when paid), and how."""
    local = as_utc(received_at).astimezone(zone)
    response_days, extension_days = rules.days_for(category)
    start, notes = _receipt(rules, calendar, local)
    due, counted = count_working_days(calendar, start, response_days, "response")
    days = notes + counted
    extended_due = None
    if extended:
        extended_due, more = count_working_days(calendar, due, extension_days, "extension")
        days += more
    delivery_due = None
    if paid_at is not None:
        paid_local = as_utc(paid_at).astimezone(zone)
        days.append({"date": paid_local.date().isoformat(), "counted": False,
                     "why": "day of payment, not counted"})
        delivery_due, more = count_working_days(calendar, paid_local.date(),
                                                rules.delivery_days, "delivery")
        days += more
    summary = (f"Received {_day(local.date())} at {local.strftime('%H:%M %Z')}; "
               f"{response_days} working days: due {_day(due)}")
    if extended_due:
        summary += f"; extended {extension_days} working days: due {_day(extended_due)}"
    if delivery_due:
        summary += f"; paid, records due {_day(delivery_due)}"
    return Deadline(due, extended_due, delivery_due, {
        "summary": summary,
        "rule_set": {"id": rules.id, "effective_from": rules.effective_from.isoformat(),
                     "citation": rules.citation, "note": rules.note},
        "zone": zone.key,
        "received_at": as_utc(received_at).isoformat(),
        "received_local": local.isoformat(),
        "category": category,
        "response_days": response_days,
        "extension_days": extension_days,
        "delivery_days": rules.delivery_days,
        "receipt_day_counts": rules.receipt_day_counts,
        "cutoff": rules.cutoff.strftime("%H:%M") if rules.cutoff else None,
        "due_date": due.isoformat(),
        "extended_due_date": extended_due.isoformat() if extended_due else None,
        "delivery_due_date": delivery_due.isoformat() if delivery_due else None,
        "days": days,
    })


def working_days_between(calendar: Calendar, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if not calendar.why_closed(day):
            count += 1
    return count


def _day(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.isoformat()}"
