"""Ingest jobs run on the one job queue: the queue job holds the lease and the retries."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from app import tasks
from app.core import jobs as queue
from app.core.audit import Actor
from app.core.errors import Conflict
from app.models import Document, IngestJob, Job, JobState, JobStatus
from ingest import hooks, jobs
from ingest.runtime import Runtime
from tests.ingest.conftest import count
from tests.ingest.test_dedup import mail, write

LEASE = timedelta(minutes=5)


def queued_box(runtime: Runtime, actor: Actor, tmp_path: Path, mails: int = 3) -> IngestJob:
    for n in range(mails):
        write(tmp_path / "box" / f"{n}.eml", mail(f"note {n}", f"body {n}"))
    with runtime.database.transaction() as session:
        job = jobs.create_job(session, actor, "parks",
                              {"type": "path", "paths": [str(tmp_path / "box")]})
        session.expunge(job)
    return job


def rows(runtime: Runtime, job: IngestJob) -> tuple[IngestJob, Job]:
    with runtime.database.reading() as session:
        ingest_job = session.get_one(IngestJob, job.id)
        return ingest_job, session.get_one(Job, ingest_job.queue_job_id)


def test_an_ingest_job_is_queued_with_its_queue_job_and_a_worker_pass_runs_it(
        runtime: Runtime, actor: Actor, tmp_path: Path) -> None:
    job = queued_box(runtime, actor, tmp_path)
    ingest_job, queued = rows(runtime, job)
    assert (queued.kind, queued.payload, queued.status) == (
        "ingest", {"ingest_job": str(job.id)}, JobState.queued)
    tasks.load()
    while runtime.work("w1"):
        pass
    ingest_job, done = rows(runtime, job)
    assert (ingest_job.status, ingest_job.attempts, ingest_job.counts["new"]) == (
        JobStatus.done, 1, 3)
    assert done.status == JobState.done and count(runtime.database, Document) == 3


def test_run_now_refuses_a_job_a_worker_holds_and_changes_nothing(
        runtime: Runtime, actor: Actor, tmp_path: Path) -> None:
    job = queued_box(runtime, actor, tmp_path)
    _, queued = rows(runtime, job)
    assert queue.claim(runtime.database, "elsewhere", LEASE, job_id=queued.id) is not None
    with pytest.raises(Conflict, match="a worker runs it"):
        jobs.run_now(runtime.runner(worker="cli"), job.id)
    ingest_job, held = rows(runtime, job)
    assert ingest_job.status == JobStatus.queued and held.lease_owner == "elsewhere"
    assert count(runtime.database, Document) == 0


def test_a_worker_that_lost_the_lease_commits_no_batch(
        runtime: Runtime, actor: Actor, tmp_path: Path) -> None:
    job = queued_box(runtime, actor, tmp_path)
    _, queued = rows(runtime, job)
    claimed = queue.claim(runtime.database, "w1", LEASE, job_id=queued.id)
    assert claimed is not None
    stolen = dataclasses.replace(claimed, worker="w-old")  # as if w1 had taken it over from us
    with pytest.raises(queue.LeaseLost):
        jobs.run(runtime.runner(worker="w-old"), stolen)
    assert count(runtime.database, Document) == 0


def test_an_ingest_job_whose_workers_keep_dying_fails_visibly(
        runtime: Runtime, actor: Actor, tmp_path: Path) -> None:
    job = queued_box(runtime, actor, tmp_path)
    _, queued = rows(runtime, job)
    with runtime.database.transaction() as session:
        session.get_one(Job, queued.id).max_attempts = 1
    tasks.load()
    claimed = queue.claim(runtime.database, "w1", timedelta(seconds=-1), job_id=queued.id)
    assert claimed is not None  # w1 takes it and dies: its lease is already over
    assert queue.claim(runtime.database, "w2", LEASE) is None  # buried, not run again
    ingest_job, dead = rows(runtime, job)
    assert dead.status == JobState.dead
    assert ingest_job.status == JobStatus.failed and "w1 stopped" in ingest_job.error


def test_ingest_stores_nothing_before_the_domains_hooks_are_loaded(
        runtime: Runtime, actor: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Legal holds must see every batch stored: an entry point that forgot app.tasks.load()
    fails its ingest job visibly instead of storing mail a hold should have caught."""
    job = queued_box(runtime, actor, tmp_path)
    monkeypatch.setattr(hooks, "_loaded", False)
    failed = jobs.run_now(runtime.runner(worker="cli"), job.id)
    assert failed.status == JobStatus.failed and "app.tasks.load()" in failed.error
    assert count(runtime.database, Document) == 0
