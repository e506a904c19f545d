"""Factories for review and fee tests: requests as rows, documents in families, indexed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.db import Database
from app.models import (
    AuditEntry,
    Channel,
    Document,
    DocumentKind,
    DocumentText,
    RecordsRequest,
    RequesterCategory,
    RequestStatus,
    TextStatus,
)
from ingest import indexer

ZONE = "America/Denver"
RECEIVED = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def make_request(database: Database, status: RequestStatus = RequestStatus.received,
                 received_at: datetime = RECEIVED) -> uuid.UUID:
    """A records request inserted as a row (the requests package makes them in the app)."""
    with database.transaction() as session:
        request = RecordsRequest(
            number=f"2026-{uuid.uuid4().hex[:6]}", requester_name="Pat Q. Public",
            category=RequesterCategory.general, description="E-mail about the water budget",
            channel=Channel.web, received_at=received_at, status=status,
            due_date=date(2026, 12, 3), departments=["clerk"])
        session.add(request)
        session.flush()
        return request.id


@dataclass
class Family:
    email: uuid.UUID
    attachments: list[uuid.UUID]

    @property
    def ids(self) -> set[uuid.UUID]:
        return {self.email, *self.attachments}


def make_family(database: Database, subject: str, body: str,
                attachments: tuple[tuple[str, str], ...] = ()) -> Family:
    """An e-mail with its attachments (filename, text), in the catalog."""
    with database.transaction() as session:
        email_id = uuid.uuid4()
        session.add(Document(id=email_id, kind=DocumentKind.email, family_id=email_id,
                             subject=subject, text_status=TextStatus.ok,
                             sender={"name": "Ann Clerk", "email": "ann@city.example"},
                             sent_at=datetime(2026, 10, 1, 15, tzinfo=UTC)))
        session.flush()
        session.add(DocumentText(document_id=email_id, text=body, extractor="test"))
        children = []
        for position, (filename, text) in enumerate(attachments, 1):
            child = uuid.uuid4()
            session.add(Document(id=child, kind=DocumentKind.attachment, family_id=email_id,
                                 parent_id=email_id, position=position, filename=filename,
                                 text_status=TextStatus.ok))
            session.flush()
            session.add(DocumentText(document_id=child, text=text, extractor="test"))
            children.append(child)
    return Family(email_id, children)


def index(database: Database, client: TestClient) -> None:
    """Put what the catalog holds into the app's search engine."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    indexer.index_pending(database, engine, ZONE)
    engine.refresh()


def audit_count(database: Database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def audit_actions(database: Database) -> list[str]:
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def audit_entries(database: Database) -> list[AuditEntry]:
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def last_audit(database: Database) -> AuditEntry:
    with database.reading() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry


Headers = Callable[..., dict[str, str]]
