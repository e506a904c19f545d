"""The pieces an ingest process needs, built from settings."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from cryptography.fernet import Fernet, InvalidToken

from app.core.blobs import BlobStore
from app.core.db import Database
from app.core.engine import open_search_engine
from app.core.jobs import Services
from app.core.secrets import credentials_key
from app.core.settings import Settings
from app.models import MailConnection
from ingest.jobs import Runner
from ingest.prepare import Extract
from ingest.sources.base import SourceError
from ingest.sources.imap import ImapAccount
from search.engines import SearchEngine

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
            engine=open_search_engine(settings),
        )

    @classmethod
    def of(cls, services: Services) -> Runtime:
        """A job handler's runtime, over its worker's database and store (an engine is
        cheap to open: a folder, or an Elasticsearch client)."""
        return cls(services.settings, services.database, services.store,
                   open_search_engine(services.settings))

    @cached_property
    def credentials(self) -> Fernet:
        """The key of stored mail-server passwords, read once, when an IMAP job needs it."""
        return credentials_key(self.settings)

    @cached_property
    def services(self) -> Services:
        """What the job queue's handlers get (app.core.jobs)."""
        return Services(self.settings, self.database, self.store)

    def work(self, worker: str) -> int:
        """One pass of a worker over the job queue (app.core.worker.work)."""
        from app.core.worker import work

        return work(self.services, worker)

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
            after_batch=index_quietly, max_bytes=self.settings.ingest_job_max_bytes,
            accounts=self.imap_account, time_zone=self.settings.time_zone,
            thread_window_days=self.settings.thread_window_days,
            near_duplicate_similarity=self.settings.near_duplicate_similarity,
        )

    def imap_account(self, connection_id: str) -> ImapAccount:
        """A mail connection with its password decrypted, read when a worker needs it."""
        with self.database.reading() as session:
            connection = session.get(MailConnection, uuid.UUID(connection_id))
        if connection is None:
            raise SourceError("the mail connection this job names was deleted")
        try:
            password = self.credentials.decrypt(
                connection.password_encrypted.encode()).decode()
        except InvalidToken:
            raise SourceError(f"the password of the mail connection {connection.name} cannot be "
                              "decrypted: was CUSTODIA_CREDENTIALS_KEY changed?") from None
        return ImapAccount(connection.host, connection.port, connection.security,
                           connection.username, password,
                           self.settings.imap_connect_timeout_seconds,
                           self.settings.imap_read_timeout_seconds)
