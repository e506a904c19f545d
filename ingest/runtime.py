"""The pieces an ingest process needs, built from settings."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from app.core.blobs import BlobStore
from app.core.db import Database
from app.core.settings import Settings
from ingest.jobs import Runner
from ingest.prepare import Extract
from search.engines import SearchEngine, open_engine

log = logging.getLogger("custodia.ingest")


def make_extract(settings: Settings) -> Extract:
    if settings.tika_url:
        from ingest.extract.tika import TikaClient

        return TikaClient(settings.tika_url).extract
    from ingest.extract import builtin

    return builtin.extract


@dataclass
class Runtime:
    settings: Settings
    database: Database
    store: BlobStore
    engine: SearchEngine

    @classmethod
    def open(cls, settings: Settings, database: Database | None = None) -> Runtime:
        return cls(
            settings=settings,
            database=database or Database(settings.resolved_database_url),
            store=BlobStore(settings.natives_dir),
            engine=open_engine(settings.elasticsearch_url, settings.data_dir / "search",
                               settings.index_name),
        )

    def catch_up(self) -> None:
        """What a worker does when the queue is empty: retry extractions, index what waits.

        Raises IndexUnavailable when the search engine does not answer.
        """
        from ingest.indexer import index_pending
        from ingest.retry import retry_extractions

        retry_extractions(self.database, self.store, make_extract(self.settings))
        index_pending(self.database, self.engine, self.settings.time_zone)

    def runner(self, worker: str | None = None, lease_seconds: float | None = None) -> Runner:
        from ingest.indexer import index_pending
        from search.documents import IndexUnavailable

        def index_quietly() -> None:
            # Indexing never fails an ingest job: whatever goes wrong, the documents stay
            # pending and the worker's next pass tries again.
            try:
                index_pending(self.database, self.engine, self.settings.time_zone)
            except IndexUnavailable as exc:
                log.warning("search index unreachable, documents stay pending: %s", exc)
            except Exception:
                log.exception("indexing failed, documents stay pending")

        return Runner(
            database=self.database, store=self.store, extract=make_extract(self.settings),
            worker=worker or f"{socket.gethostname()}:{os.getpid()}",
            lease=timedelta(seconds=lease_seconds or self.settings.lease_seconds),
            after_batch=index_quietly,
        )
