"""Periodic tasks, run exactly once per due time however many workers there are.

Each periodic kind in the registry has a row in `schedules`. A worker reads the rows
that are due, then takes each with a conditional UPDATE (`... WHERE name = ? AND
next_run_at = <the value it read>`) that moves next_run_at on: only one worker's
update matches, and in that same transaction it enqueues the task's job. The others
match nothing and go on. So a due time yields exactly one job, and the job queue's
lease makes that one job run once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.core.db import Database, insert_or_ignore
from app.core.jobs import REGISTRY, Registry, enqueue
from app.models import Schedule

PERIODIC_ATTEMPTS = 3  # a periodic task runs again at its next time anyway


def ensure(database: Database, registry: Registry = REGISTRY) -> None:
    """Give every registered periodic task its row, due now, unless it has one."""
    if not registry.periodic:
        return
    now = database.clock.now()
    with database.transaction() as session:
        insert_or_ignore(session, Schedule, [
            {"name": name, "interval_seconds": every, "next_run_at": now, "last_owner": ""}
            for name, every in registry.periodic.items()])


def next_time(due: datetime, interval: int, now: datetime) -> datetime:
    """The next due time after `due`; a worker that was away long does not run it N times."""
    step = timedelta(seconds=interval)
    following = due + step
    return following if following > now else now + step


def run_due(database: Database, worker: str, registry: Registry = REGISTRY) -> list[str]:
    """Enqueue each due periodic task this worker wins; returns their names."""
    if not registry.periodic:
        return []
    now = database.clock.now()
    with database.reading() as session:
        rows = session.execute(select(Schedule.name, Schedule.next_run_at, Schedule.interval_seconds)
                               .where(Schedule.name.in_(registry.periodic))
                               .order_by(Schedule.next_run_at)).all()
    if len(rows) < len(registry.periodic):  # a task new to this database: due now
        ensure(database, registry)
        return run_due(database, worker, registry)
    won = []
    for name, next_run_at, interval in (row for row in rows if row.next_run_at <= now):
        with database.transaction() as session:
            taken = session.execute(
                update(Schedule)
                .where(Schedule.name == name, Schedule.next_run_at == next_run_at)
                .values(next_run_at=next_time(next_run_at, interval, now), last_run_at=now,
                        last_owner=worker)
                .execution_options(synchronize_session=False))
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                enqueue(session, name, {"due_at": next_run_at.isoformat()},
                        max_attempts=PERIODIC_ATTEMPTS)
                won.append(name)
    return won
