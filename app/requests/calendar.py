"""The city's calendar: Colorado's legal holidays (the `holidays` package) and the city's
own closures (rows), as the pure clock's set of named non-working days."""

from __future__ import annotations

from datetime import date

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CityClosure
from app.requests.clock import Calendar

COUNTRY, SUBDIVISION = "US", "CO"
# A clock that starts in one year may run into the next (7 extension days after late December).
YEARS_AHEAD = 1


def legal_holidays(first_year: int, last_year: int) -> dict[date, str]:
    """Federal and Colorado holidays, with the observed weekday of those on a weekend."""
    found = holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, observed=True,
                                      years=range(first_year, last_year + 1))
    return {day: name for day, name in sorted(found.items())}


def city_calendar(session: Session, first_year: int, last_year: int | None = None) -> Calendar:
    """The non-working days of `first_year` through `last_year` (+1 for clocks that cross)."""
    last = (last_year or first_year) + YEARS_AHEAD
    closed = legal_holidays(first_year, last)
    for closure in session.scalars(select(CityClosure).where(
            CityClosure.day >= date(first_year, 1, 1), CityClosure.day <= date(last, 12, 31))):
        holiday = closed.get(closure.day)
        label = f"city closure: {closure.name}"
        closed[closure.day] = f"{holiday}; {label}" if holiday else label
    return Calendar(closed)
