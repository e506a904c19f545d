"""Workers share one queue in PostgreSQL: no job twice, and a killed worker loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from app.core import migrations
from app.core.db import Database
from app.models import AuditEntry, Document, IngestJob, Job, JobState, JobStatus, Location
from tests.conftest import TEST_SECRET

CUSTODIA = str(Path(sys.executable).parent / "custodia")


def environment(tmp_path: Path, database_url: str, lease_seconds: float = 3) -> dict[str, str]:
    return {**os.environ, "CUSTODIA_DATA_DIR": str(tmp_path / "var"),
            "CUSTODIA_DATABASE_URL": database_url, "CUSTODIA_SECRET_KEY": TEST_SECRET,
            "CUSTODIA_LEASE_SECONDS": str(lease_seconds)}


def custodia(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([CUSTODIA, *args], env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    return result


def fingerprint(database: Database) -> tuple[set[tuple[str, str]], int]:
    """What a run leaves behind: (dedup key, location) pairs, and the document count."""
    with database.reading() as session:
        pairs = set(session.execute(
            select(Document.dedup_key, Location.source_id)
            .join(Location, Location.document_id == Document.id)))
        documents = session.scalar(select(func.count()).select_from(Document)) or 0
    return {(str(k), s) for k, s in pairs}, documents


def assert_same_as_a_clean_run(database: Database, tmp_path: Path, files: list[Path],
                               custodian: str = "allen-p") -> None:
    """`database` holds what one uninterrupted ingest of `files` leaves, in a SQLite of its own."""
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    custodia(environment(tmp_path / "clean", clean_url), "ingest", "--custodian", custodian,
             *map(str, files))
    clean = Database(clean_url)
    try:
        assert fingerprint(database) == fingerprint(clean)
    finally:
        clean.dispose()


def two_workers_until_the_queue_is_empty(env: dict[str, str]) -> None:
    workers = [subprocess.Popen([CUSTODIA, "worker", "--once", "--poll", "0.1"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    for worker in workers:
        assert worker.wait(timeout=300) == 0


def job_row(database: Database) -> IngestJob:
    with database.reading() as session:
        job = session.scalars(select(IngestJob)).one()
        session.expunge(job)
        return job


def queue_job(database: Database, ingest_job: IngestJob) -> Job:
    with database.reading() as session:
        return session.get_one(Job, ingest_job.queue_job_id)


def test_a_killed_worker_is_resumed_with_nothing_lost_and_nothing_twice(
    tmp_path: Path, fresh_postgres: str, corpus_dir: Path
) -> None:
    mailbox_files = sorted((corpus_dir / "enron" / "mbox").glob("enron.allen-p.*"))
    env = environment(tmp_path, fresh_postgres)
    custodia(env, "ingest", "--queue", "--custodian", "allen-p", *map(str, mailbox_files))
    killed = Database(fresh_postgres)
    worker = subprocess.Popen([CUSTODIA, "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while job_row(killed).counts.get("new", 0) < 300:
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    interrupted = job_row(killed)
    assert interrupted.status == JobStatus.running
    assert queue_job(killed, interrupted).lease_owner  # the killed worker's lease, not yet out

    time.sleep(3.5)  # the dead worker's lease runs out
    custodia(env, "worker", "--once")
    resumed = job_row(killed)
    assert resumed.status == JobStatus.done
    assert resumed.attempts == 2
    assert (queue_job(killed, resumed).status, queue_job(killed, resumed).attempts) == (
        JobState.done, 2)

    assert_same_as_a_clean_run(killed, tmp_path, mailbox_files)
    killed.dispose()


def test_two_workers_never_take_the_same_job(
    tmp_path: Path, fresh_postgres: str, corpus_dir: Path
) -> None:
    env = environment(tmp_path, fresh_postgres, lease_seconds=300)
    files = sorted((corpus_dir / "enron" / "mbox").glob("enron.motley-m.*"))
    for file in files:
        custodia(env, "ingest", "--queue", "--custodian", "motley-m", str(file))
    two_workers_until_the_queue_is_empty(env)
    database = Database(fresh_postgres)
    migrations.upgrade(database.engine)
    with database.reading() as session:
        statuses = set(session.scalars(select(IngestJob.status)))
        claims = list(session.scalars(select(AuditEntry.object_id).where(
            AuditEntry.action == "ingest.job_claim")))
        claimers = set(session.scalars(select(AuditEntry.actor).where(
            AuditEntry.action == "ingest.job_claim")))
    database.dispose()
    assert statuses == {JobStatus.done}
    assert len(claims) == len(set(claims)) == len(files)
    assert len(claimers) == 2  # both workers did take part


def test_two_workers_storing_the_same_mail_at_once_store_each_message_once(
    tmp_path: Path, fresh_postgres: str, corpus_dir: Path
) -> None:
    """The same mailbox twice (a copy exported again), one job each, both workers at once:
    the same contents in the same order, so their batches race for the same dedup keys."""
    source = corpus_dir / "enron" / "mbox" / "enron.motley-m.deleted_items"
    env = environment(tmp_path, fresh_postgres, lease_seconds=300)
    for name in ("export-1.mbox", "export-2.mbox"):
        (tmp_path / name).write_bytes(source.read_bytes())
        custodia(env, "ingest", "--queue", "--custodian", "motley-m", str(tmp_path / name))
    two_workers_until_the_queue_is_empty(env)
    database = Database(fresh_postgres)
    with database.reading() as session:
        statuses = list(session.scalars(select(IngestJob.status)))
        heads = session.execute(
            select(Document.id, func.count(Location.id)).join(Location)
            .where(Document.parent_id.is_(None)).group_by(Document.id)).all()
        claimers = set(session.scalars(select(AuditEntry.actor).where(
            AuditEntry.action == "ingest.job_claim")))
    database.dispose()
    assert statuses == [JobStatus.done, JobStatus.done] and len(claimers) == 2
    distinct = len({m.split(b"\n\n", 1)[1] for m in source.read_bytes().split(b"\nFrom ")})
    assert 0 < len(heads) <= distinct
    # each content once, found in both exports (a duplicate within one export adds its own)
    assert all(locations >= 2 for _, locations in heads)
