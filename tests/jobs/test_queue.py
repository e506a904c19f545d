"""The one job queue: enqueued with the caller's change, leased, retried with backoff, buried."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core import jobs
from app.core.audit import Actor
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.jobs import Registry, Services
from app.core.worker import work
from app.models import AuditEntry, Job, JobState

LEASE = timedelta(minutes=5)


def job_row(database: Database, job_id: Any) -> Job:
    with database.reading() as session:
        return session.get_one(Job, job_id)


def audit_actions(database: Database) -> list[str]:
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_a_job_lands_with_the_callers_change_or_not_at_all(frozen_db: Database) -> None:
    with pytest.raises(RuntimeError), frozen_db.transaction() as session:
        jobs.enqueue(session, "letters.render", {"letter": "L-1"})
        raise RuntimeError("the change failed")
    with frozen_db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0
    with frozen_db.transaction() as session:
        job_id = jobs.enqueue(session, "letters.render", {"letter": "L-1"}).id
    job = job_row(frozen_db, job_id)
    assert (job.status, job.attempts, job.payload) == (JobState.queued, 0, {"letter": "L-1"})


def test_enqueue_refuses_what_no_worker_could_run(frozen_db: Database) -> None:
    with frozen_db.transaction() as session:
        with pytest.raises(BadRequest, match="kind"):
            jobs.enqueue(session, "", {})
        with pytest.raises(BadRequest, match="JSON"):
            jobs.enqueue(session, "x", {"when": object()})
        with pytest.raises(BadRequest, match="attempt"):
            jobs.enqueue(session, "x", {}, max_attempts=0)


def test_the_handler_of_its_kind_runs_it_once(services: Services) -> None:
    seen: list[dict[str, Any]] = []
    registry = Registry()
    registry.register("notice.send", lambda _s, job: seen.append(job.payload))
    with services.database.transaction() as session:
        job_id = jobs.enqueue(session, "notice.send", {"n": 1}).id
        jobs.enqueue(session, "someone.elses", {})  # no handler here: left for another worker
    assert work(services, "w1", registry) == 1
    assert work(services, "w1", registry) == 0
    assert seen == [{"n": 1}]
    job = job_row(services.database, job_id)
    assert job.status == JobState.done and job.finished_at == services.database.clock.now()
    assert job.lease_owner == "" and job.lease_expires_at is None


def test_a_failing_job_backs_off_exponentially_then_is_dead(services: Services,
                                                            clock: FrozenClock) -> None:
    registry = Registry()

    def broken(_s: Services, _job: jobs.Claimed) -> None:
        raise ConnectionError("printer is off")

    registry.register("print", broken)
    with services.database.transaction() as session:
        job_id = jobs.enqueue(session, "print", {}, max_attempts=3).id
    start = clock.now()
    assert work(services, "w1", registry) == 1
    job = job_row(services.database, job_id)
    assert (job.status, job.attempts) == (JobState.queued, 1)
    assert job.last_error == "ConnectionError: printer is off"
    assert job.run_after == start + timedelta(seconds=30)
    assert work(services, "w1", registry) == 0  # not due yet
    clock.advance(seconds=30)
    work(services, "w1", registry)
    assert job_row(services.database, job_id).run_after == clock.now() + timedelta(seconds=60)
    assert "job.dead" not in audit_actions(services.database)
    clock.advance(seconds=60)
    work(services, "w1", registry)
    job = job_row(services.database, job_id)
    assert (job.status, job.attempts, job.finished_at) == (JobState.dead, 3, clock.now())
    assert audit_actions(services.database) == ["job.dead"]
    clock.advance(days=1)
    assert work(services, "w1", registry) == 0  # the dead stay dead until an admin retries


def test_an_expired_lease_is_taken_over_and_the_old_worker_cannot_finish(
        services: Services, clock: FrozenClock) -> None:
    with services.database.transaction() as session:
        job_id = jobs.enqueue(session, "slow", {}).id
    first = jobs.claim(services.database, "w1", LEASE)
    assert first is not None and jobs.claim(services.database, "w2", LEASE) is None
    clock.advance(minutes=6)
    second = jobs.claim(services.database, "w2", LEASE)
    assert second is not None and (second.id, second.attempt) == (job_id, 2)
    registry = Registry()
    registry.register("slow", lambda _s, _p: None)
    assert jobs.run(services, first, registry) is None  # its lease was lost
    assert jobs.run(services, second, registry) == JobState.done


def test_a_worker_dying_on_the_last_attempt_buries_the_job(services: Services,
                                                           clock: FrozenClock) -> None:
    with services.database.transaction() as session:
        job_id = jobs.enqueue(session, "crashy", {}, max_attempts=1).id
    assert jobs.claim(services.database, "w1", LEASE) is not None
    clock.advance(minutes=6)
    assert jobs.claim(services.database, "w2", LEASE) is None
    job = job_row(services.database, job_id)
    assert job.status == JobState.dead and "w1 stopped" in job.last_error


def test_workers_claiming_together_never_take_the_same_job(services: Services) -> None:
    with services.database.transaction() as session:
        for n in range(30):
            jobs.enqueue(session, "count", {"n": n})
    claimed: list[Any] = []
    lock = threading.Lock()

    def take(worker: str) -> None:
        database = Database(str(services.database.engine.url.render_as_string(
            hide_password=False)), services.database.clock)
        try:
            while (job := jobs.claim(database, worker, LEASE)) is not None:
                with lock:
                    claimed.append(job.id)
        finally:
            database.dispose()

    threads = [threading.Thread(target=take, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(claimed) == 30 and len(set(claimed)) == 30


def test_an_admin_retries_a_dead_job_and_it_is_audited(services: Services) -> None:
    actor = Actor("admin-ann", "198.51.100.4", "req-1")
    with services.database.transaction() as session:
        job = jobs.enqueue(session, "x", {}, max_attempts=1)
        job.status, job.attempts, job.last_error = JobState.dead, 1, "boom"
        live = jobs.enqueue(session, "x", {})
    with services.database.transaction() as session:
        with pytest.raises(Conflict, match="queued"):
            jobs.retry(session, actor, live.id)
        with pytest.raises(NotFound):
            jobs.retry(session, actor, live.id.__class__(int=1))
        jobs.retry(session, actor, job.id)
    again = job_row(services.database, job.id)
    assert (again.status, again.attempts) == (JobState.queued, 0)
    assert audit_actions(services.database) == ["job.retry"]


def test_done_jobs_are_pruned_after_a_week_and_dead_ones_kept(services: Services,
                                                              clock: FrozenClock) -> None:
    with services.database.transaction() as session:
        done = jobs.enqueue(session, "x", {})
        done.status, done.finished_at = JobState.done, clock.now()
        dead = jobs.enqueue(session, "x", {})
        dead.status, dead.finished_at = JobState.dead, clock.now()
    clock.advance(days=8)
    jobs.prune(services, {})
    with services.database.reading() as session:
        assert list(session.scalars(select(Job.id))) == [dead.id]


def test_a_long_job_keeps_its_lease_by_renewing_it_and_loses_it_once_taken_over(
        services: Services, clock: FrozenClock) -> None:
    with services.database.transaction() as session:
        job_id = jobs.enqueue(session, "long", {}).id
    first = jobs.claim(services.database, "w1", LEASE)
    assert first is not None
    clock.advance(minutes=4)
    with services.database.transaction() as session:
        first.renew(session)
    clock.advance(minutes=4)  # 8 minutes in: alive only because it renewed
    assert jobs.claim(services.database, "w2", LEASE) is None
    assert job_row(services.database, job_id).lease_expires_at == clock.now() + timedelta(minutes=1)
    clock.advance(minutes=2)
    assert jobs.claim(services.database, "w2", LEASE) is not None
    with pytest.raises(jobs.LeaseLost, match="w1"), services.database.transaction() as session:
        first.renew(session)
    assert job_row(services.database, job_id).lease_owner == "w2"


def test_a_handler_that_lost_its_lease_leaves_the_job_to_the_new_owner(
        services: Services, clock: FrozenClock) -> None:
    registry = Registry()

    def outlived(_s: Services, job: jobs.Claimed) -> None:
        clock.advance(minutes=6)
        assert jobs.claim(services.database, "w2", LEASE, registry=registry) is not None
        with services.database.transaction() as session:
            job.renew(session)

    registry.register("outlived", outlived)
    with services.database.transaction() as session:
        job_id = jobs.enqueue(session, "outlived", {}).id
    claimed = jobs.claim(services.database, "w1", LEASE)
    assert claimed is not None and jobs.run(services, claimed, registry) is None
    job = job_row(services.database, job_id)
    assert (job.status, job.lease_owner, job.last_error) == (JobState.running, "w2", "")


def test_a_buried_job_tells_its_domain_in_the_same_transaction(services: Services,
                                                               clock: FrozenClock) -> None:
    told: list[tuple[dict[str, Any], str]] = []
    registry = Registry()
    registry.register("crashy", lambda _s, _j: None,
                      on_dead=lambda session, payload, error: told.append((payload, error)))
    with services.database.transaction() as session:
        jobs.enqueue(session, "crashy", {"ingest_job": "J-1"}, max_attempts=1)
    assert jobs.claim(services.database, "w1", LEASE, registry=registry) is not None
    clock.advance(minutes=6)
    assert jobs.claim(services.database, "w2", LEASE, registry=registry) is None
    assert len(told) == 1 and told[0][0] == {"ingest_job": "J-1"} and "w1 stopped" in told[0][1]
