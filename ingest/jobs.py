"""Ingest jobs: run on the one job queue (kind "ingest"), in checkpointed batches.

Creating an ingest job enqueues its queue job in the same transaction. Whichever
worker claims that queue job holds its lease (app.core.jobs) and renews it in the
transaction of every batch; a killed worker's lease expires and another worker
resumes the job from its checkpoint. Items handled before the checkpoint are
skipped; an item handled after it but before the crash is found by its location and
not stored twice. A source that fails (unreadable, over budget) fails the ingest job
at once; a worker that dies, or a database that goes away mid-batch, is retried from
the checkpoint, up to MAX_ATTEMPTS. Batches write the catalog one at a time
(app.core.db.take_catalog_turn): their reading and extraction run side by side.

`run_now` runs one job in the calling process (`custodia ingest`, the demo), taking
its queue job's lease like any worker.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.core import audit
from app.core import jobs as queue
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.clock import clock_of
from app.core.db import Database, take_catalog_turn
from app.core.errors import Conflict
from app.models import IngestJob, JobStatus
from ingest import hooks
from ingest.items import SourceItem
from ingest.pipeline import (
    Context,
    Outcome,
    families_by_key,
    ingest_batch,
    known_locations,
    purged_keys,
)
from ingest.prepare import Extract, prepare, read_batch
from ingest.sources.registry import Accounts, open_sources

BATCH = 100
MAX_ATTEMPTS = 5  # workers that may die on one job before it fails
KIND = "ingest"
Progress = Callable[[SourceItem, Outcome], None]


@dataclass(frozen=True)
class Runner:
    database: Database
    store: BlobStore
    extract: Extract
    worker: str  # the name run_now claims under
    lease: timedelta = timedelta(minutes=5)
    after_batch: Callable[[], None] | None = None  # e.g. index what the batch stored
    accounts: Accounts | None = None  # mail connections, for IMAP sources
    max_bytes: int | None = None  # a job that reads more stops (a runaway source)
    time_zone: str = "America/Denver"  # the city's, for the documents-stored hooks
    thread_window_days: int = 30  # for the threads hook (CUSTODIA_THREAD_WINDOW_DAYS)
    near_duplicate_similarity: float = 0.9  # for the near-duplicate hook


# Kept for the workers, never shown or audited: the folder a root or upload stands for.
_INTERNAL = {"within", "connection_id"}


def public_source(source: dict[str, Any]) -> dict[str, Any]:
    """The source as shown and audited: what the clerk chose, not where it is on the server."""
    return {k: v for k, v in source.items() if k not in _INTERNAL}


def create_job(session: Session, actor: Actor, custodian: str, source: dict[str, Any]) -> IngestJob:
    """A new ingest job, queued for a worker in the caller's transaction."""
    if source.get("type") != "imap":
        open_sources(source)  # refuse a bad source now, not in a worker later
    job_id = uuid.uuid4()
    queued = queue.enqueue(session, KIND, {"ingest_job": str(job_id)}, max_attempts=MAX_ATTEMPTS)
    job = IngestJob(id=job_id, custodian=custodian, source=source, status=JobStatus.queued,
                    requested_by=actor.name, queue_job_id=queued.id, checkpoint={}, counts={})
    session.add(job)
    session.flush()
    audit.record(session, actor, "ingest.job_create", "ingest_job", job.id,
                 after={"custodian": custodian, "source": public_source(source)})
    return job


def _actor(worker: str) -> Actor:
    return Actor(f"worker:{worker}", "local", uuid.uuid4().hex)


def _start(runner: Runner, claimed: queue.Claimed) -> uuid.UUID | None:
    """Mark the ingest job running for this attempt; None if it has nothing left to do."""
    job_id = uuid.UUID(claimed.payload["ingest_job"])
    with runner.database.transaction() as session:
        job = session.get(IngestJob, job_id)
        if job is None or job.status not in (JobStatus.queued, JobStatus.running):
            return None
        claimed.renew(session)
        before = {"status": job.status, "attempts": job.attempts}
        job.status, job.attempts = JobStatus.running, claimed.attempt
        audit.record(session, _actor(claimed.worker), "ingest.job_claim", "ingest_job", job.id,
                     before=before, after={"status": job.status, "attempts": job.attempts,
                                           "queue_job": str(claimed.id)})
        return job.id


def run_now(runner: Runner, job_id: uuid.UUID, progress: Progress | None = None) -> IngestJob:
    """Run one ingest job here and now, to its end; Conflict if a worker holds it."""
    with runner.database.reading() as session:
        queue_job_id = session.get_one(IngestJob, job_id).queue_job_id
    claimed = None if queue_job_id is None else queue.claim(
        runner.database, runner.worker, runner.lease, job_id=queue_job_id)
    if claimed is None:
        raise Conflict(f"ingest job {job_id} is not waiting: a worker runs it, or it ended")
    job = run(runner, claimed, progress)
    queue.finish(runner.database, claimed, "")
    return job


def on_dead(session: Session, payload: dict[str, Any], error: str) -> None:
    """The queue buried an ingest job's queue job (its workers kept dying): it failed."""
    job = session.get(IngestJob, uuid.UUID(payload["ingest_job"]))
    if job is None or job.status not in (JobStatus.queued, JobStatus.running):
        return
    before = {"status": job.status}
    job.status, job.error = JobStatus.failed, f"gave up after {job.attempts} attempts: {error}"
    job.finished_at = clock_of(session).now()
    audit.record(session, _actor("queue"), "ingest.job_failed", "ingest_job", job.id,
                 before=before, after={"status": job.status, "error": job.error})


class OverBudget(Exception):
    """The job would read more than one job may: a runaway source."""


def _over_budget(runner: Runner, counts: Counter[str], batch: list[SourceItem],
                 item: SourceItem) -> bool:
    if runner.max_bytes is None:
        return False
    pending = sum(len(i.native) for i in batch) + len(item.native)
    return counts["bytes"] + pending > runner.max_bytes


def run(runner: Runner, claimed: queue.Claimed, progress: Progress | None = None) -> IngestJob:
    """Process the ingest job of a claimed queue job to the end, batch by batch.

    Raises app.core.jobs.LeaseLost when another worker took the job over.
    """
    job_id = _start(runner, claimed)
    if job_id is None:
        with runner.database.reading() as session:
            return session.get_one(IngestJob, uuid.UUID(claimed.payload["ingest_job"]))
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
                    _commit_batch(runner, claimed, job_id, custodian, source, batch,
                                  position - 1, counts, progress)
                    raise OverBudget(f"stopped: this job may read at most {runner.max_bytes:,} "
                                     "bytes (CUSTODIA_INGEST_JOB_MAX_BYTES); what it read "
                                     "before the limit is kept")
                batch.append(item)
                if len(batch) >= BATCH:
                    _commit_batch(runner, claimed, job_id, custodian, source, batch,
                                  position, counts, progress)
                    batch = []
            _commit_batch(runner, claimed, job_id, custodian, source, batch, position, counts,
                          progress)
    except (queue.LeaseLost, OperationalError):
        raise  # another worker has it, or the database is away: the queue tries again later
    except OverBudget as exc:
        return _finish(runner, claimed, job_id, JobStatus.failed, counts, str(exc))
    except Exception as exc:  # the source itself failed: the job fails, visibly
        return _finish(runner, claimed, job_id, JobStatus.failed, counts,
                       f"{type(exc).__name__}: {exc}")
    return _finish(runner, claimed, job_id, JobStatus.done, counts, "")


def _commit_batch(runner: Runner, claimed: queue.Claimed, job_id: uuid.UUID, custodian: str,
                  source: Any,
                  batch: list[SourceItem], position: int, counts: Counter[str],
                  progress: Progress | None) -> None:
    outcomes: list[tuple[SourceItem, Outcome]] = []
    with runner.database.reading() as session:  # what the rows will need takes no write lock
        known = known_locations(session, custodian, source.name, [i.source_id for i in batch])
        reads = read_batch(batch, known)
        keys = [r.key for r in reads.values() if r.key]
        stored = families_by_key(session, keys)
        kept = hooks.must_keep(session, custodian, source.name)
        purged = set() if kept else purged_keys(session, keys)
    prepare(reads, set(stored), runner.store, runner.extract, purged)
    with runner.database.transaction() as session:
        claimed.renew(session)  # first: a batch never commits under a lost lease
        take_catalog_turn(session)
        job = session.get_one(IngestJob, job_id)
        runner.store.attach(session)
        context = Context(session, runner.store, runner.extract, custodian, source.name, job_id,
                          keep_purged=hooks.must_keep(session, custodian, source.name))
        for item, outcome in zip(batch, ingest_batch(context, batch, reads), strict=True):
            source.done(session, item)
            counts[outcome.value] += 1
            counts["bytes"] += len(item.native)
            outcomes.append((item, outcome))
        context.finish()
        landed = hooks.Stored(
            custodian, source.name, frozenset(context.new_families | context.relocated),
            runner.time_zone, runner.thread_window_days,
            near_duplicate_similarity=runner.near_duplicate_similarity)
        hooks.documents_stored(session, landed)
        runner.store.sync()
        job.checkpoint = {"items": position}
        job.counts = dict(counts)
        if context.new_documents:
            audit.record(session, _actor(claimed.worker), "ingest.documents_add", "ingest_job", job_id,
                         custodian=custodian, source=source.name,
                         documents=[str(d) for d in context.new_documents])
    hooks.documents_committed(runner.database, landed)  # before the index reads them
    if progress is not None:
        for item, outcome in outcomes:
            progress(item, outcome)
    if runner.after_batch is not None:
        runner.after_batch()


def _finish(runner: Runner, claimed: queue.Claimed, job_id: uuid.UUID, status: JobStatus,
            counts: Counter[str], error: str) -> IngestJob:
    with runner.database.transaction() as session:
        claimed.renew(session)
        job = session.get_one(IngestJob, job_id)
        before = {"status": job.status}
        job.status, job.error, job.counts = status, error, dict(counts)
        job.finished_at = clock_of(session).now()
        audit.record(session, _actor(claimed.worker), f"ingest.job_{status.value}", "ingest_job", job_id,
                     before=before, after={"status": status, "counts": dict(counts),
                                           "error": error})
        return job
