"""Fixtures for ingest tests: a runtime over a migrated database, and a way to run a job."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.models import IngestJob, Location
from ingest import indexer, jobs
from ingest.runtime import Runtime

RunIngest = Callable[..., IngestJob]


@pytest.fixture
def runtime(settings: Settings, database: Database) -> Iterator[Runtime]:
    yield Runtime.open(settings, database)


@pytest.fixture
def run_ingest(runtime: Runtime, actor: Actor) -> RunIngest:
    """Queue, claim and run one job to the end, as `custodia ingest` does."""

    def run(custodian: str, *paths: Path | str, source: dict[str, Any] | None = None) -> IngestJob:
        spec = source or {"type": "path", "paths": [str(p) for p in paths]}
        with runtime.database.transaction() as session:
            job_id = jobs.create_job(session, actor, custodian, spec).id
        runner = runtime.runner(worker="test-worker")
        job = jobs.run_now(runner, job_id)
        assert job.status == "done", job.error
        indexer.index_pending(runtime.database, runtime.engine, runtime.settings.time_zone)
        runtime.engine.refresh()
        return job

    return run


def count(database: Database, model: type[Any], *where: Any) -> int:
    with database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def locations_by_custodian(database: Database) -> dict[str, int]:
    with database.reading() as session:
        rows = session.execute(select(Location.custodian, func.count()).group_by(Location.custodian))
        return {custodian: number for custodian, number in rows}

