"""PostgreSQL restarts while a worker ingests: the worker reconnects and finishes, and the
result equals a run nobody interrupted; the API's readiness is 503 while it is away and
200 again once it is back, with no restart of the API."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import IngestJob, JobStatus
from tests.conftest import TEST_SECRET
from tests.ingest.test_workers import (
    CUSTODIA,
    assert_same_as_a_clean_run,
    custodia,
    environment,
    job_row,
)
from tests.search.test_cluster import SERVICES, free_ports


@dataclass
class OwnPostgres:
    """A PostgreSQL of the test's own on a free port: `services("up")`, `("down")`."""

    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://custodia:custodia@127.0.0.1:{self.port}/custodia"

    def services(self, action: str) -> None:
        env = {**os.environ, "CUSTODIA_SERVICES_DIR": str(self.root),
               "CUSTODIA_PG_PORT": str(self.port)}
        done = subprocess.run([str(SERVICES), action, "postgres"], env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def own_postgres(postgres_url: str) -> Iterator[OwnPostgres]:
    root = Path(tempfile.mkdtemp(prefix="custodia-faults-pg-"))
    root.chmod(0o755)  # the postgres user reads its data directory below it
    yield OwnPostgres(root, free_ports(1)[0])
    shutil.rmtree(root, ignore_errors=True)


def test_a_worker_finishes_its_ingest_and_readiness_follows_across_a_postgres_restart(
    tmp_path: Path, corpus_dir: Path, own_postgres: OwnPostgres,
) -> None:
    url, services = own_postgres.url, own_postgres.services
    mailbox_files = sorted((corpus_dir / "enron" / "mbox").glob("enron.allen-p.*"))
    worker: subprocess.Popen[str] | None = None
    try:
        services("up")
        env = environment(tmp_path, url)
        custodia(env, "migrate")
        custodia(env, "ingest", "--queue", "--custodian", "allen-p", *map(str, mailbox_files))
        worker = subprocess.Popen([CUSTODIA, "worker", "--poll", "0.2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        restarted = Database(url)
        deadline = time.monotonic() + 120
        while job_row(restarted).counts.get("new", 0) < 200:
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.2)
        restarted.dispose()
        api = TestClient(create_app(Settings(
            env="test", data_dir=tmp_path / "api", database_url=url, secret_key=TEST_SECRET,
            in_process_worker=False)))
        assert api.get("/api/v1/ready").status_code == 200
        services("down")
        away = api.get("/api/v1/ready")
        assert away.status_code == 503 and "database does not answer" in away.json()["detail"]
        assert api.get("/api/v1/live").status_code == 200
        time.sleep(1)
        services("up")
        assert api.get("/api/v1/ready").status_code == 200
        deadline = time.monotonic() + 300  # the same worker, never restarted, finishes it
        while job_row(restarted).status != JobStatus.done:
            assert time.monotonic() < deadline and worker.poll() is None, worker.stderr
            time.sleep(0.5)

        assert_same_as_a_clean_run(restarted, tmp_path, mailbox_files)
        restarted.dispose()
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
        services("down")


def stored_so_far(database: Database) -> int:
    with database.reading() as session:
        return sum(j.counts.get("new", 0) for j in session.scalars(select(IngestJob)))


def test_a_foreground_ingest_cut_off_by_postgres_says_so_and_a_worker_resumes_it(
    tmp_path: Path, corpus_dir: Path, own_postgres: OwnPostgres,
) -> None:
    url, services = own_postgres.url, own_postgres.services
    mailbox_files = sorted((corpus_dir / "enron" / "mbox").glob("enron.allen-p.*"))
    try:
        services("up")
        env = environment(tmp_path, url)
        custodia(env, "migrate")
        ingest = subprocess.Popen([CUSTODIA, "ingest", "--custodian", "allen-p",
                                   *map(str, mailbox_files)], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        watched = Database(url)
        deadline = time.monotonic() + 120
        while stored_so_far(watched) < 200:
            assert time.monotonic() < deadline and ingest.poll() is None
            time.sleep(0.2)
        watched.dispose()
        services("down")
        _, stderr = ingest.communicate(timeout=120)
        assert ingest.returncode == 1
        assert "resumes from its checkpoint when `custodia worker` runs" in " ".join(stderr.split())
        services("up")
        time.sleep(3.5)  # the cut-off run's lease runs out
        custodia(env, "worker", "--once")
        assert job_row(watched).status == JobStatus.done
        assert_same_as_a_clean_run(watched, tmp_path, mailbox_files)
        watched.dispose()
    finally:
        services("down")
