"""The scaled path: Tika for text, Elasticsearch for the index, beside the built-in path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import tasks
from app.core import migrations, schedules
from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.demo.generator import generate
from app.models import Document, DocumentKind
from ingest import indexer, jobs
from ingest.runtime import Runtime
from search.documents import IndexUnavailable
from search.elastic import ElasticEngine
from tests.conftest import TEST_SECRET, find_phrase

ZONE = "America/Denver"


@pytest.fixture(scope="module")
def demo_mailbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    generate(root, messages=60)
    return root / "mail"


def ingest_with(settings: Settings, folder: Path) -> Runtime:
    runtime = Runtime.open(settings)
    migrations.upgrade(runtime.database.engine)
    actor = Actor("test", "127.0.0.1", "r")
    for mailbox in sorted(folder.iterdir()):
        with runtime.database.transaction() as session:
            job_id = jobs.create_job(session, actor, mailbox.name,
                                     {"type": "path", "paths": [str(mailbox)]}).id
        runner = runtime.runner(worker="test")
        assert jobs.run_now(runner, job_id).status == "done"
    return runtime


def attachment_texts(database: Database) -> dict[str, tuple[str, str]]:
    """(name, text) of each attachment, keyed by the hash of its bytes (same in both runs)."""
    with database.reading() as session:
        rows = session.scalars(select(Document).options(selectinload(Document.text))
                               .where(Document.kind == DocumentKind.attachment))
        return {str(d.blob_sha256): (d.filename, d.text.text if d.text else "") for d in rows}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]{4,}", text.lower()))


def test_tika_and_built_in_extract_the_same_attachments(
    tmp_path: Path, demo_mailbox: Path, tika_url: str, fresh_postgres: str,
) -> None:
    builtin = ingest_with(Settings(env="test", data_dir=tmp_path / "a", secret_key=TEST_SECRET),
                          demo_mailbox)
    tika = ingest_with(Settings(env="test", data_dir=tmp_path / "b", secret_key=TEST_SECRET,
                                database_url=fresh_postgres, tika_url=tika_url), demo_mailbox)
    by_builtin = attachment_texts(builtin.database)
    by_tika = attachment_texts(tika.database)
    assert by_builtin.keys() == by_tika.keys() and len(by_builtin) >= 10
    for digest, (name, text) in by_builtin.items():
        if name.endswith(".wav"):
            continue  # voicemail audio: no text from either
        expected, found = words(text), words(by_tika[digest][1])
        assert expected, f"built-in found no text in {name}"
        assert len(expected & found) >= 0.9 * len(expected), (name, expected - found)
    with tika.database.reading() as session:
        statuses = set(session.scalars(select(Document.text_status)))
    assert "failed" not in statuses


def test_elasticsearch_index_finds_bodies_and_attachment_text(
    tmp_path: Path, demo_mailbox: Path, elasticsearch_url: str, fresh_postgres: str,
) -> None:
    alias = f"test-{tmp_path.name.lower()}"
    settings = Settings(env="test", data_dir=tmp_path, secret_key=TEST_SECRET,
                        database_url=fresh_postgres, elasticsearch_url=elasticsearch_url,
                        index_name=alias)
    runtime = ingest_with(settings, demo_mailbox)  # its workers index as they go
    engine = runtime.engine
    assert isinstance(engine, ElasticEngine) and engine.alias == alias
    assert indexer.index_pending(runtime.database, engine, ZONE) == 0  # nothing left pending
    engine.refresh()
    with runtime.database.reading() as session:
        documents = list(session.scalars(select(Document).options(selectinload(Document.text))))
    assert engine.count() == len(documents)
    attachment = next(d for d in documents if d.kind == DocumentKind.attachment
                      and d.filename.endswith(".pdf") and d.text and len(d.text.text) > 80)
    phrase = " ".join(re.findall(r"[A-Za-z]+", attachment.text.text)[3:8])  # type: ignore[union-attr]
    assert str(attachment.id) in find_phrase(engine, phrase)
    version = engine.current_version()
    assert indexer.rebuild(runtime.database, engine, ZONE) == len(documents)
    engine.refresh()
    assert engine.current_version() == version + 1
    assert engine.count() == len(documents)
    engine.client.indices.delete(index=f"{engine.alias}-v*")


def test_documents_wait_while_elasticsearch_is_down(
    tmp_path: Path, demo_mailbox: Path, elasticsearch_url: str, unused_port: int,
) -> None:
    alias = f"test-{tmp_path.name.lower()}"
    settings = Settings(env="test", data_dir=tmp_path, secret_key=TEST_SECRET, index_name=alias,
                        elasticsearch_url=f"http://127.0.0.1:{unused_port}")
    runtime = ingest_with(settings, demo_mailbox)  # ingest goes on while the index is down
    with pytest.raises(IndexUnavailable):
        indexer.index_pending(runtime.database, runtime.engine, ZONE)
    with runtime.database.reading() as session:
        pending = len(list(session.scalars(select(Document.id).where(
            Document.indexed_at.is_(None)))))
    assert pending > 0
    up = ElasticEngine(elasticsearch_url, alias=alias)
    assert indexer.index_pending(runtime.database, up, ZONE) == pending
    up.refresh()
    assert up.count() == pending
    up.client.indices.delete(index=f"{up.alias}-v*")


def test_extraction_that_failed_while_tika_was_down_is_retried(
    tmp_path: Path, demo_mailbox: Path, tika_url: str, unused_port: int,
) -> None:
    down = Settings(env="test", data_dir=tmp_path, secret_key=TEST_SECRET,
                    tika_url=f"http://127.0.0.1:{unused_port}")
    runtime = ingest_with(down, demo_mailbox / "lfischer")
    with runtime.database.reading() as session:
        failed = list(session.scalars(select(Document).where(Document.text_status == "failed")))
    assert failed and all(d.extract_error.startswith("retryable: ") for d in failed)

    runtime.settings = down.model_copy(update={"tika_url": tika_url})
    tasks.load()
    assert "extract.retry" in schedules.run_due(runtime.database, "w")  # due: a new database
    while runtime.work("w"):
        pass
    with runtime.database.reading() as session:
        refreshed = {d.id: d for d in session.scalars(
            select(Document).options(selectinload(Document.text))
            .where(Document.id.in_([d.id for d in failed])))}
    texts = [d for d in refreshed.values() if d.kind == DocumentKind.attachment
             and not d.filename.endswith(".wav")]
    assert texts and all(d.text_status == "ok" and d.text and d.text.text for d in texts)
    assert all(d.extract_attempts == 2 for d in texts)
