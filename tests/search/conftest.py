"""The parity corpus: the shared Enron slice plus format and voicemail samples, ingested once.

The same documents go into the embedded engine (by the ingest workers, as in
production) and into a fresh Elasticsearch index, and are read by the
brute-force oracle, so every query can be answered three ways.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import migrations
from app.core.audit import Actor
from app.core.settings import Settings
from app.models import Document
from ingest import indexer, jobs
from ingest.runtime import Runtime
from search.documents import IndexDoc
from search.elastic import ElasticEngine
from search.engines import SearchEngine
from tests.conftest import TEST_SECRET
from tests.search import oracle

ZONE = "America/Denver"


@dataclass
class Corpus:
    runtime: Runtime
    embedded: SearchEngine
    elastic: ElasticEngine
    docs: list[IndexDoc]
    prepared: list[oracle.Prepared]


def sources(corpus_dir: Path) -> dict[str, list[Path]]:
    by_custodian: dict[str, list[Path]] = {}
    for mbox in sorted((corpus_dir / "enron" / "mbox").iterdir()):
        by_custodian.setdefault(mbox.name.split(".")[1], []).append(mbox)
    formats = corpus_dir / "formats"
    by_custodian["bailey-s"] = [corpus_dir / "enron" / "edrm-bailey-s"]
    by_custodian["samples"] = [formats / "msg", formats / "pst", formats / "eml"]
    by_custodian["voicemail"] = [corpus_dir / "voicemail"]
    return by_custodian


@pytest.fixture(scope="session")
def parity(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path,
           elasticsearch_url: str) -> Iterator[Corpus]:
    settings = Settings(env="test", data_dir=tmp_path_factory.mktemp("parity"),
                        secret_key=TEST_SECRET, in_process_worker=False)
    runtime = Runtime.open(settings)
    migrations.upgrade(runtime.database.engine)
    actor = Actor("parity", "127.0.0.1", "parity")
    for custodian, paths in sources(corpus_dir).items():
        with runtime.database.transaction() as session:
            job_id = jobs.create_job(session, actor, custodian,
                                     {"type": "path", "paths": [str(p) for p in paths]}).id
        runner = runtime.runner(worker="parity")
        assert jobs.run_now(runner, job_id).status == "done"
    indexer.index_pending(runtime.database, runtime.engine, ZONE)
    with runtime.database.reading() as session:
        documents = list(session.scalars(select(Document).options(selectinload(Document.text))))
        docs = indexer.as_index_docs(session, documents, ZONE)
    elastic = ElasticEngine(elasticsearch_url, alias=f"parity-{uuid.uuid4().hex[:8]}")
    version = elastic.new_version()
    assert elastic.index(docs, version=version) == {}
    elastic.activate(version)
    elastic.refresh()
    yield Corpus(runtime, runtime.engine, elastic, docs, oracle.prepare(docs))
    elastic.client.indices.delete(index=f"{elastic.alias}-v*")
    runtime.database.dispose()
