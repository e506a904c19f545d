"""Extraction and index writes run with no catalog write lock held, and lose no change.

SQLite has one writer: a search's audit entry waits for whoever holds the lock. The
tests look at the lock the way another writer would: a second connection that asks
for it and may not wait.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import Database
from app.models import Document
from ingest import indexer, jobs
from ingest.extract import builtin
from ingest.extract.base import Extracted, ExtractionError
from ingest.retry import retry_extractions
from ingest.runtime import Runtime
from search.documents import IndexDoc
from search.engines import SearchEngine
from tests.ingest.test_dedup import mail, write


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "custodia.db"


@pytest.fixture
def database_url(sqlite_path: Path) -> str:  # these tests watch SQLite's write lock
    return f"sqlite:///{sqlite_path}"


def write_lock_free(path: Path) -> bool:
    """Whether another writer could take the catalog's write lock right now."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


class WatchedEngine:
    """The real engine; each index call notes whether the catalog's write lock was free."""

    def __init__(self, engine: SearchEngine, path: Path) -> None:
        self.engine, self.path, self.lock_free = engine, path, []  # type: list[bool]

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def index(self, docs: Iterable[IndexDoc], version: int | None = None) -> dict[str, str]:
        self.lock_free.append(write_lock_free(self.path))
        return self.engine.index(docs, version)


def test_attachments_are_extracted_and_indexed_outside_the_write_transaction(
    runtime: Runtime, actor: Actor, sqlite_path: Path, tmp_path: Path,
) -> None:
    for n in range(3):
        write(tmp_path / "box" / f"{n}.eml", mail(f"permit {n}", "see attached", b"a,b\n%d\n" % n))
    lock_free_at_extraction: list[bool] = []

    def extract(data: bytes, name: str | None, content_type: str | None) -> Extracted:
        lock_free_at_extraction.append(write_lock_free(sqlite_path))
        return builtin.extract(data, name, content_type)

    watched = WatchedEngine(runtime.engine, sqlite_path)
    with runtime.database.transaction() as session:
        job_id = jobs.create_job(session, actor, "parks",
                                 {"type": "path", "paths": [str(tmp_path / "box")]}).id
    runner = dataclasses.replace(runtime.runner(worker="w"), extract=extract, after_batch=None)
    assert jobs.run_now(runner, job_id).status == "done"
    indexer.index_pending(runtime.database, watched, "America/Denver")  # type: ignore[arg-type]
    assert lock_free_at_extraction == [True, True, True]
    assert watched.lock_free and all(watched.lock_free)


def test_a_retried_extraction_runs_outside_the_write_transaction(
    runtime: Runtime, actor: Actor, sqlite_path: Path, tmp_path: Path,
) -> None:
    write(tmp_path / "box" / "1.eml", mail("permit", "see attached", b"a,b\n"))

    def tika_down(data: bytes, name: str | None, content_type: str | None) -> Extracted:
        raise ExtractionError("Tika did not answer", retryable=True)

    with runtime.database.transaction() as session:
        job_id = jobs.create_job(session, actor, "parks",
                                 {"type": "path", "paths": [str(tmp_path / "box")]}).id
    runner = dataclasses.replace(runtime.runner(worker="w"), extract=tika_down, after_batch=None)
    jobs.run_now(runner, job_id)
    indexer.index_pending(runtime.database, runtime.engine, "America/Denver")
    seen: list[bool] = []

    def tika_back(data: bytes, name: str | None, content_type: str | None) -> Extracted:
        seen.append(write_lock_free(sqlite_path))
        return builtin.extract(data, name, content_type)

    assert retry_extractions(runtime.database, runtime.store, tika_back) == 1
    assert seen == [True]
    with runtime.database.reading() as session:
        attachment = session.scalars(select(Document).where(Document.filename == "budget.csv")).one()
        assert attachment.text is not None and "a,b" in attachment.text.text
        assert attachment.indexed_at is None and attachment.generation == 2  # to index again


def test_a_document_changed_while_its_batch_is_indexed_stays_pending(
    runtime: Runtime, run_ingest: object, database: Database, tmp_path: Path,
) -> None:
    """The mark applies only to the generation sent; the change is indexed by the next pass."""
    write(tmp_path / "box" / "1.eml", mail("permit", "approved"))
    with runtime.database.transaction() as session:
        job_id = jobs.create_job(session, Actor("t", "local", "r"), "parks",
                                 {"type": "path", "paths": [str(tmp_path / "box")]}).id
    runner = dataclasses.replace(runtime.runner(worker="w"), after_batch=None)
    jobs.run_now(runner, job_id)
    with database.reading() as session:  # ingest's hooks (threads, groups) may have bumped it
        stored = session.scalars(select(Document)).one().generation

    class ChangedMeanwhile(WatchedEngine):
        def index(self, docs: Iterable[IndexDoc], version: int | None = None) -> dict[str, str]:
            failures = self.engine.index(docs, version)
            with database.transaction() as session:  # a new custodian arrives meanwhile
                indexer.index_again(session, Document.parent_id.is_(None))
            return failures

    changing = ChangedMeanwhile(runtime.engine, tmp_path)
    assert indexer.index_pending(database, changing, "America/Denver", limit=1) == 1  # type: ignore[arg-type]
    with database.reading() as session:
        head = session.scalars(select(Document)).one()
        assert head.indexed_at is None and head.generation == stored + 1
    assert indexer.index_pending(database, runtime.engine, "America/Denver") == 1
    with database.reading() as session:
        head = session.scalars(select(Document)).one()
        assert head.indexed_at is not None and head.generation == stored + 1
