"""Sign-in throttling: too many failures lock a username, or a client address, for a while.

Failures and lock-outs live in the database, so every API process on every machine
agrees. The rule is a pure function of the failures, the last lock-out and the time
(`decide`); the rest reads and writes rows in the caller's transaction.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import Conflict, NotFound
from app.core.settings import Settings
from app.models import LockKind, Lockout, SignInFailure


@dataclass(frozen=True)
class Limit:
    """This many failures within the window lock their username or address for `lock`."""

    failures: int
    window: timedelta
    lock: timedelta


@dataclass(frozen=True)
class Decision:
    counted: int  # failures that count towards a lock-out now
    locked_until: datetime | None  # the end of the lock-out they begin, or None


@dataclass(frozen=True)
class Locked:
    """A sign-in refused, whatever its password, until the lock-outs end."""

    retry_after_seconds: int


def limits(settings: Settings) -> dict[LockKind, Limit]:
    window = timedelta(minutes=settings.sign_in_window_minutes)
    lock = timedelta(minutes=settings.sign_in_lockout_minutes)
    return {
        LockKind.username: Limit(settings.sign_in_failures_per_username, window, lock),
        LockKind.address: Limit(settings.sign_in_failures_per_address, window, lock),
    }


def decide(
    failures: Iterable[datetime], last_locked_at: datetime | None, now: datetime, limit: Limit
) -> Decision:
    """Whether a username's or an address's failures lock it now, and until when.

    Only failures within the window count, and none from before its last lock-out
    began: those have locked it once already.
    """
    since = now - limit.window
    if last_locked_at is not None:
        since = max(since, last_locked_at)
    counted = sum(1 for at in failures if since < at <= now)
    return Decision(counted, now + limit.lock if counted >= limit.failures else None)


def retry_after_seconds(lockouts: Sequence[Lockout], now: datetime) -> int:
    """Whole seconds until the last of these lock-outs ends (at least one)."""
    end = max(lockout.locked_until for lockout in lockouts)
    return max(1, math.ceil((end - now).total_seconds()))


def active_lockouts(session: Session, username: str, address: str, now: datetime) -> list[Lockout]:
    return list(session.scalars(select(Lockout).where(
        Lockout.active_at(now),
        or_(and_(Lockout.kind == LockKind.username, Lockout.subject == username),
            and_(Lockout.kind == LockKind.address, Lockout.subject == address)),
    )))


def record_failure(
    session: Session, actor: Actor, username: str, now: datetime, rules: dict[LockKind, Limit]
) -> list[Lockout]:
    """Count a failed sign-in; lock its username or address if that makes too many.

    Returns the lock-outs it began, each audited as `auth.lockout`.
    """
    address = actor.client_address
    session.add(SignInFailure(occurred_at=now, username=username, client_address=address))
    # Failures older than the window never count again; the audit trail keeps them all.
    window = max(limit.window for limit in rules.values())
    session.execute(delete(SignInFailure).where(SignInFailure.occurred_at <= now - window))
    begun = []
    for kind, subject, column in ((LockKind.username, username, SignInFailure.username),
                                  (LockKind.address, address, SignInFailure.client_address)):
        limit = rules[kind]
        failures = list(session.scalars(select(SignInFailure.occurred_at).where(
            column == subject, SignInFailure.occurred_at > now - limit.window)))
        last = session.scalar(select(Lockout.locked_at).where(Lockout.kind == kind,
                                                              Lockout.subject == subject))
        decision = decide(failures, last, now, limit)
        lockout = None
        if decision.locked_until is not None:
            lockout = _lock(session, kind, subject, now, decision.locked_until, decision.counted)
        if lockout is not None:
            audit.record(
                session, actor, "auth.lockout", "sign_in_lockout", lockout.id,
                kind=kind, subject=subject, failures=lockout.failures,
                locked_until=lockout.locked_until,
                reason=f"{lockout.failures} failed sign-ins for this {kind} within "
                       f"{limit.window.total_seconds() / 60:g} minutes",
            )
            begun.append(lockout)
    return begun


def _lock(
    session: Session, kind: LockKind, subject: str, now: datetime, until: datetime, failures: int
) -> Lockout | None:
    """Lock the subject, in one statement, unless another process has just done so (None)."""
    values = {"failures": failures, "locked_at": now, "locked_until": until,
              "lifted_at": None, "lifted_by": None}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Lockout).values(id=uuid.uuid4(), kind=kind, subject=subject, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[Lockout.kind, Lockout.subject], set_=values,
        where=~Lockout.active_at(now),
    ).returning(Lockout.id)
    lockout_id = session.execute(statement).scalar_one_or_none()
    if lockout_id is None:
        return None
    return session.scalars(
        select(Lockout).where(Lockout.id == lockout_id).execution_options(populate_existing=True)
    ).one()


def in_force(session: Session) -> Select[Any]:
    """The lock-outs in force now, newest first (for paginate)."""
    active = select(Lockout).where(Lockout.active_at(clock_of(session).now()))
    return active.order_by(Lockout.locked_at.desc(), Lockout.id)


def snapshot(lockout: Lockout) -> dict[str, object]:
    return {"kind": lockout.kind, "subject": lockout.subject, "locked_until": lockout.locked_until,
            "lifted_at": lockout.lifted_at, "lifted_by": lockout.lifted_by}


def lift(session: Session, actor: Actor, lockout_id: uuid.UUID) -> Lockout:
    """An admin ends a lock-out early; its username or address may sign in again at once."""
    lockout = session.get(Lockout, lockout_id)
    if lockout is None:
        raise NotFound("No lock-out with that id.")
    now = clock_of(session).now()
    if not lockout.is_active(now):
        raise Conflict("That lock-out has already ended or been lifted.")
    before = snapshot(lockout)
    lockout.lifted_at, lockout.lifted_by = now, actor.name
    session.flush()
    audit.record(session, actor, "auth.lockout_lift", "sign_in_lockout", lockout.id,
                 before=before, after=snapshot(lockout))
    return lockout
