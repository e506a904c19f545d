"""Holds fixtures: people mapped to ingest custodians, their mail ingested and indexed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.models import Document, HeldDocument, Person, PersonCustodian, PersonStatus, Role
from ingest import indexer, jobs
from ingest.runtime import Runtime
from tests.conftest import MakeUser

Ingest = Callable[..., None]
Headers = dict[str, str]


def message(subject: str, sent: datetime, attachment: bytes | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Dana Reyes <dreyes@springvale-co.example>"
    mail["To"] = "Lee Okafor <lokafor@springvale-co.example>"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(sent)
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@springvale-co.example>"
    mail.set_content(f"About {subject.lower()}.")
    if attachment is not None:
        mail.add_attachment(attachment, maintype="text", subtype="plain", filename="notes.txt")
    return bytes(mail)


@pytest.fixture
def ingest_mail(settings: Settings, database: Database, actor: Actor, tmp_path: Path) -> Ingest:
    """Ingest messages {subject: (sent, attachment)} as `custodian`'s from `source`."""
    runtime = Runtime.open(settings, database)

    def ingest(custodian: str, messages: dict[str, tuple[datetime, bytes | None]],
               source: str = "inbox") -> None:
        folder = tmp_path / "mail" / custodian / source / uuid.uuid4().hex[:6]
        folder.mkdir(parents=True)
        for n, (subject, (sent, attachment)) in enumerate(messages.items()):
            (folder / f"{n}.eml").write_bytes(message(subject, sent, attachment))
        with database.transaction() as session:
            job_id = jobs.create_job(session, actor, custodian,
                                     {"type": "path", "paths": [str(folder)]}).id
        assert jobs.run_now(runtime.runner(worker="test"), job_id).status == "done"
        indexer.index_pending(database, runtime.engine, settings.time_zone)
        runtime.engine.refresh()

    return ingest


@pytest.fixture
def person(database: Database) -> Callable[[str, str], uuid.UUID]:
    def make(name: str, custodian: str) -> uuid.UUID:
        with database.transaction() as session:
            someone = Person(name=name, status=PersonStatus.active)
            session.add(someone)
            session.flush()
            session.add(PersonCustodian(custodian=custodian, person_id=someone.id))
            return someone.id

    return make


@pytest.fixture
def attorney(make_user: MakeUser, sign_in: Callable[..., Headers]) -> Headers:
    return sign_in(make_user(Role.attorney))


@pytest.fixture
def headers_for(make_user: MakeUser, sign_in: Callable[..., Headers]) -> Callable[[Role], Headers]:
    return lambda role: sign_in(make_user(role))


def held_subjects(database: Database, hold_id: str | None = None) -> set[str]:
    """Subjects (attachments by file name) of the held documents, of one hold or any."""
    with database.reading() as session:
        query = select(Document.subject, Document.filename).join(
            HeldDocument, HeldDocument.document_id == Document.id).distinct()
        if hold_id is not None:
            query = query.where(HeldDocument.hold_id == uuid.UUID(hold_id))
        return {subject or f"file:{filename}" for subject, filename in session.execute(query)}


def held_rows(database: Database) -> int:
    with database.reading() as session:
        return int(session.scalar(select(func.count()).select_from(HeldDocument)) or 0)


def create_hold(client: TestClient, headers: Headers, **body: object) -> dict[str, object]:
    response = client.post("/api/v1/holds", headers=headers,
                           json={"matter_name": "Reyes v. Springvale", **body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def issue(client: TestClient, headers: Headers, hold: dict[str, object]) -> dict[str, object]:
    response = client.post(f"/api/v1/holds/{hold['id']}/issue", headers=headers,
                           json={"version": hold["version"]})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def release(client: TestClient, headers: Headers, hold: dict[str, object]) -> dict[str, object]:
    response = client.post(f"/api/v1/holds/{hold['id']}/release", headers=headers,
                           json={"version": hold["version"], "reason": "Case settled."})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]
