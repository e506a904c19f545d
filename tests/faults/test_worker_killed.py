"""A worker killed with SIGKILL at random points of an ingest, four times over: the next
worker finishes it, and what is left equals a run nobody interrupted."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from app.core.db import Database
from app.models import JobStatus
from tests.ingest.test_workers import (
    CUSTODIA,
    assert_same_as_a_clean_run,
    custodia,
    environment,
    job_row,
)


def test_a_worker_killed_four_times_leaves_what_a_clean_run_does(
    tmp_path: Path, fresh_postgres: str, corpus_dir: Path,
) -> None:
    mailbox_files = sorted((corpus_dir / "enron" / "mbox").glob("enron.allen-p.*"))
    env = environment(tmp_path, fresh_postgres, lease_seconds=2)
    custodia(env, "ingest", "--queue", "--custodian", "allen-p", *map(str, mailbox_files))
    killed = Database(fresh_postgres)
    rng = random.Random(5)
    for _ in range(4):
        worker = subprocess.Popen([CUSTODIA, "worker"], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            time.sleep(rng.uniform(1.0, 4.0))
            assert worker.poll() is None
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        assert job_row(killed).status != JobStatus.done  # still interrupted work to resume
        time.sleep(2.5)  # the dead worker's lease runs out
    custodia(env, "worker", "--once")
    assert job_row(killed).status == JobStatus.done
    custodia(env, "verify-natives")

    assert_same_as_a_clean_run(killed, tmp_path, mailbox_files)
    killed.dispose()
