"""The natives disk fills mid-ingest: the job fails saying so, no row points at a bad blob,
and once there is room the rerun completes with nothing twice."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core import migrations
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.db import Database
from app.core.settings import Settings
from app.models import Document, IngestJob
from ingest import jobs
from ingest.runtime import Runtime
from tests.conftest import TEST_SECRET

MAILBOX = "enron.allen-p.all_documents"  # about 900 kB: more than the small disk holds
ACTOR = Actor("test", "127.0.0.1", "r")


def mount(target: Path, size: str) -> None:
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                   check=True, capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small disk needs root")
    natives = tmp_path / "full" / "natives"
    natives.mkdir(parents=True)
    mount(natives, "256k")
    try:
        yield natives
    finally:
        subprocess.run(["umount", str(natives)], check=False, capture_output=True)


def ingest(settings: Settings, mbox: Path) -> tuple[Runtime, IngestJob]:
    runtime = Runtime.open(settings)
    migrations.upgrade(runtime.database.engine)
    with runtime.database.transaction() as session:
        job_id = jobs.create_job(session, ACTOR, "allen-p",
                                 {"type": "path", "paths": [str(mbox)]}).id
    return runtime, jobs.run_now(runtime.runner(worker="test"), job_id)


def documents(database: Database) -> list[tuple[str, str]]:
    with database.reading() as session:
        return sorted((str(d.blob_sha256), str(d.kind)) for d in session.scalars(select(Document)))


def test_a_full_natives_disk_fails_the_job_cleanly_and_a_rerun_completes_once(
    tmp_path: Path, corpus_dir: Path, small_disk: Path,
) -> None:
    mbox = tmp_path / MAILBOX
    shutil.copyfile(corpus_dir / "enron" / "mbox" / MAILBOX, mbox)
    clean = Settings(env="test", data_dir=tmp_path / "clean", secret_key=TEST_SECRET)
    clean_runtime, clean_job = ingest(clean, mbox)
    assert clean_job.status == "done"
    expected = documents(clean_runtime.database)

    full = Settings(env="test", data_dir=tmp_path / "full", secret_key=TEST_SECRET)
    runtime, failed = ingest(full, mbox)
    assert failed.status == "failed"
    assert "No space left on device" in failed.error and "Traceback" not in failed.error
    store = BlobStore(full.natives_dir)
    kept = documents(runtime.database)
    assert len(kept) < len(expected)
    assert [d for d, _ in kept if store.verify(d) is not None] == []

    moved = tmp_path / "moved"  # the natives move to a bigger disk, as an operator would
    shutil.copytree(small_disk, moved)
    subprocess.run(["umount", str(small_disk)], check=True, capture_output=True)
    shutil.copytree(moved, small_disk, dirs_exist_ok=True)
    with runtime.database.transaction() as session:
        job_id = jobs.create_job(session, ACTOR, "allen-p",
                                 {"type": "path", "paths": [str(mbox)]}).id
    assert jobs.run_now(runtime.runner(worker="test"), job_id).status == "done"
    assert documents(runtime.database) == expected
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == len(expected)
    assert [d for d, _ in documents(runtime.database) if store.verify(d) is not None] == []
