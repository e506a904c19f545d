"""A runaway source stops at the per-job byte budget, with a clear error; nothing is lost."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from app.core.audit import Actor
from app.models import Document
from ingest import jobs
from ingest.runtime import Runtime
from tests.ingest.conftest import count
from tests.ingest.test_dedup import mail, write


def test_a_job_over_its_byte_budget_fails_clearly_and_keeps_what_it_read(
    runtime: Runtime, actor: Actor, tmp_path: Path,
) -> None:
    sizes = [len(write(tmp_path / "box" / f"{n}.eml", mail(f"note {n}", "x" * 500)).read_bytes())
             for n in range(5)]
    with runtime.database.transaction() as session:
        job_id = jobs.create_job(session, actor, "parks",
                                 {"type": "path", "paths": [str(tmp_path / "box")]}).id
    runner = dataclasses.replace(runtime.runner(worker="w"), max_bytes=sum(sizes[:3]) + 10)
    job = jobs.run_now(runner, job_id)
    assert job.status == "failed"
    assert "at most" in job.error and "CUSTODIA_INGEST_JOB_MAX_BYTES" in job.error
    assert job.counts["new"] == 3 and count(runtime.database, Document) == 3
