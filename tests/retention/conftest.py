"""Retention tests: a frozen clock (10 March 2026), mail dated before and after a
one-day cut-off, ingested for real, and holds as the holds service would leave them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core import migrations
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.settings import Settings
from app.models import (
    AuditEntry,
    Blob,
    Document,
    DocumentText,
    HeldDocument,
    Hold,
    HoldStatus,
    IngestJob,
    Location,
    PurgedDocument,
    Role,
    User,
)
from ingest import indexer, jobs
from ingest.runtime import Runtime
from tests.conftest import MakeUser
from tests.ingest.test_dedup import mail, write

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
OLD = datetime(2026, 3, 3, 16, 15, tzinfo=UTC)  # a week before NOW
NEW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # the same day
Headers = dict[str, str]
RunIngest = Callable[..., IngestJob]


def dated_mail(subject: str, body: str, when: datetime, attachment: bytes | None = None) -> bytes:
    """tests.ingest.test_dedup.mail, sent at `when`."""
    data = mail(subject, body, attachment)
    old = b"Date: Tue, 03 Mar 2026 09:15:00 -0700"
    assert old in data
    return data.replace(old, f"Date: {format_datetime(when)}".encode())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def database(database_url: str, clock: FrozenClock) -> Iterator[Database]:
    db = Database(database_url, clock)
    migrations.upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"access_token_minutes": 60 * 24 * 400})


@pytest.fixture
def admin(make_user: MakeUser, login: Callable[[User], Headers]) -> Headers:
    return login(make_user(Role.admin))


@pytest.fixture
def runtime(settings: Settings, database: Database) -> Runtime:
    return Runtime.open(settings, database)


@pytest.fixture
def run_ingest(runtime: Runtime, actor: Any) -> RunIngest:
    """Run one ingest job to its end and index what it stored, as `custodia ingest` does."""

    def run(custodian: str, *paths: Path) -> IngestJob:
        with runtime.database.transaction() as session:
            job_id = jobs.create_job(session, actor, custodian,
                                     {"type": "path", "paths": [str(p) for p in paths]}).id
        job = jobs.run_now(runtime.runner(worker="test-worker"), job_id)
        assert job.status == "done", job.error
        indexer.index_pending(runtime.database, runtime.engine, runtime.settings.time_zone)
        runtime.engine.refresh()
        return job

    return run


@pytest.fixture
def mailbox(tmp_path: Path) -> Path:
    """Two old e-mails (one with an attachment) and one new, in one folder."""
    box = tmp_path / "box"
    write(box / "1.eml", dated_mail("Pothole list", "Repave Elm street soon.", OLD,
                                    b"street,cost\nelm,4000\n"))
    write(box / "2.eml", dated_mail("Parade permit", "Route along Main.", OLD))
    write(box / "3.eml", dated_mail("Council agenda", "Budget hearing tonight.", NEW))
    return box


def head(database: Database, subject: str) -> Document:
    with database.reading() as session:
        return session.scalars(select(Document).where(Document.subject == subject,
                                                      Document.parent_id.is_(None))).one()


def hold(database: Database, matter: str, *document_ids: uuid.UUID) -> uuid.UUID:
    """An active hold covering `document_ids`, as the holds service materializes one."""
    with database.transaction() as session:
        found = Hold(matter_name=matter, attorney="counsel", status=HoldStatus.active,
                     issued_at=NOW)
        session.add(found)
        session.flush()
        for document_id in document_ids:
            session.add(HeldDocument(hold_id=found.id, document_id=document_id, held_at=NOW))
        return found.id


def family_ids(database: Database, family_id: uuid.UUID) -> list[uuid.UUID]:
    with database.reading() as session:
        return list(session.scalars(select(Document.id).where(Document.family_id == family_id)))


def snapshot(database: Database, settings: Settings) -> dict[str, Any]:
    """Everything a purge may change, to show that something did not."""
    with database.reading() as session:
        counts = {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                  for model in (Document, DocumentText, Location, Blob, HeldDocument,
                                PurgedDocument)}
        counts["audit_purges"] = session.scalar(select(func.count()).select_from(AuditEntry)
                                                .where(AuditEntry.action == "retention.purge"))
        ids = sorted(session.scalars(select(Document.id)))
        classes = sorted(session.scalars(select(Document.record_class)))
    natives = sorted(p.name for p in settings.natives_dir.rglob("*") if p.is_file())
    return {"counts": counts, "ids": ids, "natives": natives, "classes": classes}
