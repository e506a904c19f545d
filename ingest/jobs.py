"""The ingest queue: jobs in the database, claimed with leases, run in checkpointed batches.

On PostgreSQL, workers claim with `FOR UPDATE SKIP LOCKED`, so several workers
on one queue never take the same job; on SQLite the write lock serializes the
claim. A worker renews its lease at every batch; a killed worker's lease
expires and another worker resumes the job from its checkpoint. Items handled
before the checkpoint are skipped; an item handled after it but before the
crash is found by its location and not stored twice.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.clock import clock_of
from app.core.db import Database
from app.models import IngestJob, JobStatus
from ingest.items import SourceItem
from ingest.pipeline import Context, Outcome, families_by_key, ingest_batch, known_locations
from ingest.prepare import Extract, prepare, read_batch
from ingest.sources.registry import Accounts, open_sources

BATCH = 100
MAX_ATTEMPTS = 5
Progress = Callable[[SourceItem, Outcome], None]


@dataclass(frozen=True)
class Runner:
    database: Database
    store: BlobStore
    extract: Extract
    worker: str
    lease: timedelta = timedelta(minutes=5)
    after_batch: Callable[[], None] | None = None  # e.g. index what the batch stored
    accounts: Accounts | None = None  # mail connections, for IMAP sources
    max_bytes: int | None = None  # a job that reads more stops (a runaway source)


# Kept for the workers, never shown or audited: the folder a root or upload stands for.
_INTERNAL = {"within", "connection_id"}


def public_source(source: dict[str, Any]) -> dict[str, Any]:
    """The source as shown and audited: what the clerk chose, not where it is on the server."""
    return {k: v for k, v in source.items() if k not in _INTERNAL}


def create_job(session: Session, actor: Actor, custodian: str, source: dict[str, Any]) -> IngestJob:
    if source.get("type") != "imap":
        open_sources(source)  # refuse a bad source now, not in a worker later
    job = IngestJob(custodian=custodian, source=source, status=JobStatus.queued,
                    requested_by=actor.name, checkpoint={}, counts={})
    session.add(job)
    session.flush()
    audit.record(session, actor, "ingest.job_create", "ingest_job", job.id,
                 after={"custodian": custodian, "source": public_source(source)})
    return job


def claim(runner: Runner, job_id: uuid.UUID | None = None) -> uuid.UUID | None:
    """Take the oldest claimable job (or the given one): queued, or running with a dead lease."""
    now = runner.database.clock.now()
    with runner.database.transaction() as session:
        query = select(IngestJob).where(or_(
            IngestJob.status == JobStatus.queued,
            and_(IngestJob.status == JobStatus.running, IngestJob.lease_expires_at < now),
        )).order_by(IngestJob.created_at).limit(1)
        if job_id is not None:
            query = query.where(IngestJob.id == job_id)
        if runner.database.backend == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = session.scalar(query)
        if job is None:
            return None
        before = {"status": job.status, "lease_owner": job.lease_owner}
        job.attempts += 1
        if job.attempts > MAX_ATTEMPTS:
            job.status, job.error = JobStatus.failed, f"gave up after {MAX_ATTEMPTS} attempts"
        else:
            job.status, job.lease_owner = JobStatus.running, runner.worker
            job.lease_expires_at = now + runner.lease
        audit.record(session, _actor(runner), "ingest.job_claim", "ingest_job", job.id,
                     before=before, after={"status": job.status, "lease_owner": job.lease_owner,
                                           "attempt": job.attempts})
        return job.id if job.status == JobStatus.running else None


def _actor(runner: Runner) -> Actor:
    return Actor(f"worker:{runner.worker}", "local", uuid.uuid4().hex)


class LeaseLost(Exception):
    """Another worker took the job over (our lease had expired)."""


class OverBudget(Exception):
    """The job would read more than one job may: a runaway source."""


def _over_budget(runner: Runner, counts: Counter[str], batch: list[SourceItem],
                 item: SourceItem) -> bool:
    if runner.max_bytes is None:
        return False
    pending = sum(len(i.native) for i in batch) + len(item.native)
    return counts["bytes"] + pending > runner.max_bytes


def run(runner: Runner, job_id: uuid.UUID, progress: Progress | None = None) -> IngestJob:
    """Process a claimed job to the end, batch by batch."""
    with runner.database.transaction() as session:
        job = session.get_one(IngestJob, job_id)
        custodian, spec = job.custodian, job.source
        done = int(job.checkpoint.get("items", 0))
        counts: Counter[str] = Counter(job.counts)
    try:
        position = 0
        for source in open_sources(spec, runner.accounts):
            batch: list[SourceItem] = []
            with runner.database.reading() as session:
                items = source.items(session)
            for item in items:
                position += 1
                if position <= done and not source.stateful:
                    continue  # handled before a restart
                if _over_budget(runner, counts, batch, item):
                    _commit_batch(runner, job_id, custodian, source, batch, position - 1, counts,
                                  progress)
                    raise OverBudget(f"stopped: this job may read at most {runner.max_bytes:,} "
                                     "bytes (CUSTODIA_INGEST_JOB_MAX_BYTES); what it read "
                                     "before the limit is kept")
                batch.append(item)
                if len(batch) >= BATCH:
                    _commit_batch(runner, job_id, custodian, source, batch, position, counts,
                                  progress)
                    batch = []
            _commit_batch(runner, job_id, custodian, source, batch, position, counts, progress)
    except LeaseLost:
        raise
    except OverBudget as exc:
        return _finish(runner, job_id, JobStatus.failed, counts, str(exc))
    except Exception as exc:  # the source itself failed: the job fails, visibly
        return _finish(runner, job_id, JobStatus.failed, counts, f"{type(exc).__name__}: {exc}")
    return _finish(runner, job_id, JobStatus.done, counts, "")


def _commit_batch(runner: Runner, job_id: uuid.UUID, custodian: str, source: Any,
                  batch: list[SourceItem], position: int, counts: Counter[str],
                  progress: Progress | None) -> None:
    outcomes: list[tuple[SourceItem, Outcome]] = []
    with runner.database.reading() as session:  # what the rows will need takes no write lock
        known = known_locations(session, custodian, source.name, [i.source_id for i in batch])
        reads = read_batch(batch, known)
        stored = families_by_key(session, [r.key for r in reads.values() if r.key])
    prepare(reads, set(stored), runner.store, runner.extract)
    with runner.database.transaction() as session:
        job = session.get_one(IngestJob, job_id)
        if job.lease_owner != runner.worker:
            raise LeaseLost(f"job {job_id} is now run by {job.lease_owner}")
        runner.store.attach(session)
        context = Context(session, runner.store, runner.extract, custodian, source.name, job_id)
        for item, outcome in zip(batch, ingest_batch(context, batch, reads), strict=True):
            source.done(session, item)
            counts[outcome.value] += 1
            counts["bytes"] += len(item.native)
            outcomes.append((item, outcome))
        context.finish()
        runner.store.sync()
        job.checkpoint = {"items": position}
        job.counts = dict(counts)
        job.lease_expires_at = clock_of(session).now() + runner.lease
        if context.new_documents:
            audit.record(session, _actor(runner), "ingest.documents_add", "ingest_job", job_id,
                         custodian=custodian, source=source.name,
                         documents=[str(d) for d in context.new_documents])
    if progress is not None:
        for item, outcome in outcomes:
            progress(item, outcome)
    if runner.after_batch is not None:
        runner.after_batch()


def _finish(runner: Runner, job_id: uuid.UUID, status: JobStatus, counts: Counter[str],
            error: str) -> IngestJob:
    with runner.database.transaction() as session:
        job = session.get_one(IngestJob, job_id)
        before = {"status": job.status}
        job.status, job.error, job.counts = status, error, dict(counts)
        job.finished_at, job.lease_owner, job.lease_expires_at = clock_of(session).now(), "", None
        audit.record(session, _actor(runner), f"ingest.job_{status.value}", "ingest_job", job_id,
                     before=before, after={"status": status, "counts": dict(counts),
                                           "error": error})
        return job
