"""One job queue for all background work: enqueue in the caller's transaction, run by workers.

A job lands with the change that asked for it, or not at all (`enqueue` only adds a
row to the caller's session). Workers claim a job with a lease (PostgreSQL: `FOR
UPDATE SKIP LOCKED`, so two workers never take the same one; SQLite: the single
writer serialises the claim), run the handler registered for its kind, and on failure
put it back with an exponential backoff; after `max_attempts` it is dead, on the
dead-letter list an admin sees (GET /api/v1/jobs?status=dead) and may retry.

Handlers register by kind in a Registry. app.core knows no domain: each domain
registers its own handlers from its own module, and app.tasks (the composition
point) imports them all before a worker starts. A handler gets the claimed job: its
payload, and `renew` to keep a long job's lease (ingest renews at every batch). A kind
may also register `on_dead`, run in the transaction that buries a job of that kind, so
its domain record says what happened (an ingest job whose worker died on its last try).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.clock import clock_of
from app.core.db import Database
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.settings import Settings
from app.models import Job, JobState

log = logging.getLogger("custodia.jobs")

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 30  # after the first failure; doubled after each next one
BACKOFF_MAX_SECONDS = 3600
ERROR_CHARS = 2000


@dataclass(frozen=True)
class Services:
    """What a handler may use: it opens its own transactions, one per unit of work."""

    settings: Settings
    database: Database
    store: BlobStore

    @classmethod
    def open(cls, settings: Settings, database: Database) -> Services:
        return cls(settings, database, BlobStore(settings.natives_dir))


class LeaseLost(Exception):
    """Another worker took the job over: this one's lease had run out."""


@dataclass(frozen=True)
class Claimed:
    """A job a worker holds the lease of, as its handler sees it."""

    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempt: int
    worker: str
    lease: timedelta

    def renew(self, session: Session) -> None:
        """Extend the lease in the caller's transaction, or raise LeaseLost.

        One conditional UPDATE: on PostgreSQL it waits for a worker that is taking the
        job over and then matches nothing, so a batch never commits under a lost lease.
        """
        renewed = session.execute(
            update(Job).where(Job.id == self.id, Job.status == JobState.running,
                              Job.lease_owner == self.worker)
            .values(lease_expires_at=clock_of(session).now() + self.lease)
            .execution_options(synchronize_session=False))
        if renewed.rowcount != 1:  # type: ignore[attr-defined]
            raise LeaseLost(f"job {self.id} is no longer {self.worker}'s: its lease ran out")


Handler = Callable[[Services, Claimed], None]
OnDead = Callable[[Session, dict[str, Any], str], None]  # (session, payload, error)


@dataclass
class Registry:
    """Handlers by job kind, the periodic tasks among them (with their interval), and
    what a kind does when one of its jobs is buried."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    periodic: dict[str, int] = field(default_factory=dict)  # kind -> every so many seconds
    on_dead: dict[str, OnDead] = field(default_factory=dict)

    def register(self, kind: str, handler: Handler, *, every_seconds: int | None = None,
                 on_dead: OnDead | None = None) -> None:
        if kind in self.handlers and self.handlers[kind] is not handler:
            raise ValueError(f"job kind {kind!r} already has a handler")
        self.handlers[kind] = handler
        if every_seconds is not None:
            self.periodic[kind] = every_seconds
        if on_dead is not None:
            self.on_dead[kind] = on_dead


REGISTRY = Registry()  # the app's; filled by app.tasks, tests make their own


def enqueue(session: Session, kind: str, payload: dict[str, Any],
            run_after: datetime | None = None, *, max_attempts: int = MAX_ATTEMPTS) -> Job:
    """Queue a job in the caller's transaction: it runs only if that transaction commits."""
    if not kind or len(kind) > 100:
        raise BadRequest("A job kind is 1 to 100 characters.")
    if max_attempts < 1:
        raise BadRequest("A job needs at least one attempt.")
    try:
        json.dumps(payload)
    except (TypeError, ValueError):
        raise BadRequest("A job's payload must be plain JSON.") from None
    job = Job(kind=kind, payload=payload, status=JobState.queued, attempts=0,
              max_attempts=max_attempts, run_after=run_after or clock_of(session).now())
    session.add(job)
    session.flush()
    return job


def _claimable(now: datetime) -> Any:
    return or_(and_(Job.status == JobState.queued, Job.run_after <= now),
               and_(Job.status == JobState.running, Job.lease_expires_at < now))


def backoff(attempt: int) -> timedelta:
    """How long a job waits after failing its `attempt`-th try."""
    return timedelta(seconds=min(BACKOFF_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS))


def worker_actor(worker: str) -> Actor:
    return Actor(f"worker:{worker}", "local", uuid.uuid4().hex)


def claim(database: Database, worker: str, lease: timedelta, kinds: set[str] | None = None,
          *, job_id: uuid.UUID | None = None, registry: Registry = REGISTRY) -> Claimed | None:
    """Take the job due longest (queued, or running with a dead lease), or the one named,
    with a lease."""
    now = database.clock.now()
    query = select(Job).where(_claimable(now)).order_by(Job.run_after).limit(1)
    if kinds is not None:
        query = query.where(Job.kind.in_(kinds))
    if job_id is not None:
        query = query.where(Job.id == job_id)
    with database.reading() as session:  # an empty queue costs no write lock
        if session.scalar(query.with_only_columns(Job.id)) is None:
            return None
    with database.transaction() as session:
        if database.backend == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = session.scalar(query)
        if job is None:
            return None
        if job.status == JobState.running and job.attempts >= job.max_attempts:
            _bury(session, job, worker, f"its worker {job.lease_owner} stopped during the last "
                  "attempt" + (f"; before that: {job.last_error}" if job.last_error else ""),
                  registry)
            return None
        job.attempts += 1
        job.status, job.lease_owner, job.lease_expires_at = JobState.running, worker, now + lease
        return Claimed(job.id, job.kind, dict(job.payload), job.attempts, worker, lease)


def _bury(session: Session, job: Job, worker: str, error: str, registry: Registry) -> None:
    before = {"status": job.status, "attempts": job.attempts}
    job.status, job.last_error = JobState.dead, error[:ERROR_CHARS]
    job.finished_at, job.lease_owner, job.lease_expires_at = clock_of(session).now(), "", None
    audit.record(session, worker_actor(worker), "job.dead", "job", job.id, before=before,
                 after={"status": job.status, "attempts": job.attempts}, kind=job.kind,
                 error=job.last_error)
    if (on_dead := registry.on_dead.get(job.kind)) is not None:
        on_dead(session, dict(job.payload), job.last_error)


def run(services: Services, claimed: Claimed, registry: Registry = REGISTRY) -> JobState | None:
    """Run a claimed job's handler and record how it went; None if the lease was lost."""
    handler = registry.handlers.get(claimed.kind)
    error = ""
    if handler is None:
        error = f"no handler for job kind {claimed.kind!r} in worker {claimed.worker}"
    else:
        try:
            handler(services, claimed)
        except LeaseLost as exc:
            log.warning("%s", exc)
            return None
        except Exception as exc:  # a failing job is recorded, never a crashed worker
            log.warning("job %s (%s) failed: %s", claimed.id, claimed.kind, exc)
            error = f"{type(exc).__name__}: {exc}"
    return finish(services.database, claimed, error, registry)


def finish(database: Database, claimed: Claimed, error: str,
           registry: Registry = REGISTRY) -> JobState | None:
    """Record a claimed job's outcome: done, queued again after a backoff, or dead.

    `run` calls it; so does a caller that runs a job's work in the foreground itself
    (`custodia ingest`). None if the lease was lost meanwhile.
    """
    worker = claimed.worker
    with database.transaction() as session:
        job = session.get(Job, claimed.id)
        if job is None or job.status != JobState.running or job.lease_owner != worker:
            return None  # our lease ran out and another worker took it over
        now = clock_of(session).now()
        if not error:
            job.status, job.finished_at, job.last_error = JobState.done, now, ""
        elif job.attempts >= job.max_attempts:
            _bury(session, job, worker, error, registry)
        else:
            job.status, job.last_error = JobState.queued, error[:ERROR_CHARS]
            job.run_after = now + backoff(job.attempts)
        job.lease_owner, job.lease_expires_at = "", None
        return job.status


def retry(session: Session, actor: Actor, job_id: uuid.UUID) -> Job:
    """Put a dead job back in the queue with its attempts reset (audited)."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("No job has this id.")
    if job.status != JobState.dead:
        raise Conflict(f"Only a dead job can be retried; this one is {job.status.value}.")
    before = {"status": job.status, "attempts": job.attempts, "last_error": job.last_error}
    job.status, job.attempts, job.finished_at = JobState.queued, 0, None
    job.run_after = clock_of(session).now()
    session.flush()
    audit.record(session, actor, "job.retry", "job", job.id, before=before,
                 after={"status": job.status, "attempts": job.attempts}, kind=job.kind)
    return job


KEEP_DONE = timedelta(days=7)


def prune(services: Services, job: Claimed) -> None:
    """Forget jobs that finished well: periodic tasks add one every run. Dead ones stay."""
    with services.database.transaction() as session:
        cutoff = clock_of(session).now() - KEEP_DONE
        session.execute(delete(Job).where(Job.status == JobState.done, Job.finished_at < cutoff))


REGISTRY.register("jobs.prune", prune, every_seconds=24 * 3600)
