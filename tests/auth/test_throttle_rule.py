"""The lock-out rule as a pure function of failures, the last lock-out and the time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.auth.throttle import Decision, Limit, decide, retry_after_seconds
from app.models import LockKind, Lockout

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
RULE = Limit(failures=3, window=timedelta(minutes=15), lock=timedelta(minutes=10))


def ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


@pytest.mark.parametrize(("failures", "last_locked_at", "expected"), [
    ([], None, Decision(0, None)),
    (ago(2, 1), None, Decision(2, None)),  # one short
    (ago(2, 1, 0), None, Decision(3, NOW + RULE.lock)),  # the third locks
    (ago(14, 7, 0), None, Decision(3, NOW + RULE.lock)),  # all within the window
    (ago(15, 7, 0), None, Decision(2, None)),  # exactly a window ago no longer counts
    (ago(40, 30, 20, 0), None, Decision(1, None)),  # old failures have expired
    (ago(9, 8, 7, 0), NOW - timedelta(minutes=5), Decision(1, None)),  # they locked it once already
    (ago(9, 4, 3, 0), NOW - timedelta(minutes=5), Decision(3, NOW + RULE.lock)),  # new ones after
    (ago(9, 8, 0), NOW - timedelta(minutes=30), Decision(3, NOW + RULE.lock)),  # an old lock-out
    (ago(2, 1, -1), None, Decision(2, None)),  # a clock ahead of ours: not yet
])
def test_which_failures_lock(
    failures: list[datetime], last_locked_at: datetime | None, expected: Decision
) -> None:
    assert decide(failures, last_locked_at, NOW, RULE) == expected


def lockout(ends_in: timedelta) -> Lockout:
    return Lockout(kind=LockKind.username, subject="x", failures=3, locked_at=NOW,
                   locked_until=NOW + ends_in)


@pytest.mark.parametrize(("ends_in", "seconds"), [
    ([timedelta(minutes=10)], 600),
    ([timedelta(seconds=0.2)], 1),  # never "retry after 0"
    ([timedelta(seconds=59.1)], 60),  # rounded up, so a client that waits is let in
    ([timedelta(minutes=1), timedelta(minutes=7)], 420),  # the later of a username and an address
])
def test_retry_after_is_when_the_last_lock_out_ends(ends_in: list[timedelta], seconds: int) -> None:
    assert retry_after_seconds([lockout(e) for e in ends_in], NOW) == seconds


@pytest.mark.parametrize(("locked_until", "lifted", "active"), [
    (NOW + timedelta(seconds=1), False, True),
    (NOW, False, False),  # ends the moment it is due
    (NOW - timedelta(minutes=1), False, False),
    (NOW + timedelta(minutes=5), True, False),
])
def test_a_lock_out_is_active_until_it_ends_or_is_lifted(
    locked_until: datetime, lifted: bool, active: bool
) -> None:
    row = Lockout(kind=LockKind.address, subject="203.0.113.9", failures=20, locked_at=NOW,
                  locked_until=locked_until, lifted_at=NOW if lifted else None)
    assert row.is_active(NOW) is active
