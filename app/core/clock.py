"""The one source of "now". Every timestamp, deadline and lease asks a clock.

The app, its workers and the CLI use the system's clock; tests (and a clerk's
what-if) use a frozen one they advance. A Database carries its clock, and every
session it opens knows it (clock_of), so services need no extra argument.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from app.core.time import as_utc


class Clock(Protocol):
    def now(self) -> datetime:
        """Now, timezone-aware, in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """Says the time it was set to until it is moved: for tests, which freeze and advance it."""

    def __init__(self, at: datetime) -> None:
        self._at = as_utc(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = as_utc(at)

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)


CLOCK = "custodia_clock"  # the key of a session's clock in Session.info


def clock_of(session: Session) -> Clock:
    """The clock of the Database that opened `session`."""
    clock: Clock | None = session.info.get(CLOCK)
    if clock is None:
        raise RuntimeError("this session was not opened by app.core.db.Database: it has no clock")
    return clock
