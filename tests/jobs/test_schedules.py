"""Periodic tasks run exactly once per due time across several workers."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.core import schedules
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.jobs import Registry, Services
from app.core.worker import work
from app.models import Job, Schedule
from tests.jobs.conftest import START

WORKERS = 4
STEPS = 8


def registry_with(name: str, every: int) -> Registry:
    registry = Registry()
    registry.register(name, lambda _s, _p: None, every_seconds=every)
    return registry


def test_a_due_task_is_enqueued_once_however_many_workers_race(
        frozen_db: Database, clock: FrozenClock) -> None:
    registry = registry_with("mail.send", 60)
    url = frozen_db.engine.url.render_as_string(hide_password=False)
    databases = [Database(url, clock) for _ in range(WORKERS)]
    start, done = threading.Barrier(WORKERS + 1), threading.Barrier(WORKERS + 1)
    wins: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(n: int) -> None:
        for _ in range(STEPS):
            start.wait(30)
            # Each worker looks twice per step: a second look must find nothing due.
            taken = sum(len(schedules.run_due(databases[n], f"w{n}", registry))
                        for _ in range(2))
            with lock:
                wins[f"w{n}"] += taken
            done.wait(30)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(STEPS):
            start.wait(30)
            done.wait(30)
            clock.advance(seconds=60)  # the frozen clock moves on between steps only
    finally:
        for thread in threads:
            thread.join(60)
        for database in databases:
            database.dispose()
    with frozen_db.reading() as session:
        due_times = list(session.scalars(select(Job.payload).where(Job.kind == "mail.send")))
        row = session.get_one(Schedule, "mail.send")
    assert sum(wins.values()) == STEPS == len(due_times)
    expected = [(START + timedelta(seconds=60 * n)).isoformat() for n in range(STEPS)]
    assert sorted(p["due_at"] for p in due_times) == expected
    assert row.next_run_at == START + timedelta(seconds=60 * STEPS)
    assert row.last_owner in wins and row.last_run_at == START + timedelta(seconds=60 * (STEPS - 1))


def test_a_worker_away_for_hours_runs_a_task_once_not_for_every_missed_time(
        services: Services, clock: FrozenClock) -> None:
    ran: list[str] = []
    registry = Registry()
    registry.register("tick", lambda _s, job: ran.append(job.payload["due_at"]), every_seconds=60)
    work(services, "w1", registry)
    clock.advance(hours=5)
    work(services, "w1", registry)
    work(services, "w1", registry)
    assert ran == [START.isoformat(), START.isoformat()[:11] + "15:01:00+00:00"]
    with services.database.reading() as session:
        assert session.get_one(Schedule, "tick").next_run_at == clock.now() + timedelta(minutes=1)


def test_next_time_keeps_the_rhythm_unless_it_fell_behind() -> None:
    assert schedules.next_time(START, 60, START) == START + timedelta(seconds=60)
    late = START + timedelta(seconds=61)
    assert schedules.next_time(START, 60, late) == late + timedelta(seconds=60)


def _race_in_a_process(url: str, n: int, start: Any, done: Any, results: Any) -> None:
    """One worker process: at each step, the frozen clock all processes agree on, then a race."""
    registry = registry_with("mail.send", 60)
    clock = FrozenClock(START)
    database = Database(url, clock)
    try:
        for step in range(STEPS):
            clock.set(START + timedelta(seconds=60 * step))
            start.wait(120)  # the first also waits for the slowest process to start
            results.put(len(schedules.run_due(database, f"p{n}", registry)))
            done.wait(120)
    finally:
        database.dispose()


def test_worker_processes_racing_enqueue_each_due_time_once(frozen_db: Database) -> None:
    context = multiprocessing.get_context("spawn")
    start, done = context.Barrier(WORKERS + 1), context.Barrier(WORKERS + 1)
    results = context.Queue()
    url = frozen_db.engine.url.render_as_string(hide_password=False)
    processes = [context.Process(target=_race_in_a_process, args=(url, n, start, done, results))
                 for n in range(WORKERS)]
    for process in processes:
        process.start()
    try:
        for _ in range(STEPS):
            start.wait(120)  # the first wait also covers each process's start-up
            done.wait(120)
    finally:
        for process in processes:
            process.join(60)
    wins = [results.get(timeout=10) for _ in range(WORKERS * STEPS)]
    assert all(process.exitcode == 0 for process in processes)
    assert sum(wins) == STEPS
    with frozen_db.reading() as session:
        due = sorted(p["due_at"] for p in session.scalars(select(Job.payload)))
    assert due == [(START + timedelta(seconds=60 * n)).isoformat() for n in range(STEPS)]
