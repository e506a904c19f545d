"""An app on a frozen clock (Wednesday 1 July 2026 in Denver), people who keep and read
the directory, and helpers to count what a refused change must leave alone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.clock import FrozenClock
from app.core.db import Database
from app.models import (
    AuditEntry,
    Blob,
    Document,
    DocumentKind,
    Location,
    Person,
    PersonCustodian,
    PersonEmail,
    Role,
    TextStatus,
    User,
)
from tests.conftest import MakeUser

NOW = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
Headers = dict[str, str]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def attorney(make_user: MakeUser, login: Callable[[User], Headers]) -> Headers:
    return login(make_user(Role.attorney))


@pytest.fixture
def make_person(api: TestClient, attorney: Headers) -> Callable[..., dict[str, Any]]:
    def make(name: str, *emails: str, **fields: Any) -> dict[str, Any]:
        answer = api.post("/api/v1/people", headers=attorney, json={
            "name": name, "emails": [{"address": e} for e in emails], **fields})
        assert answer.status_code == 201, answer.text
        found: dict[str, Any] = answer.json()
        return found

    return make


def counts(database: Database) -> tuple[int, ...]:
    """Audit entries, people, addresses and custodian names."""
    with database.reading() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (AuditEntry, Person, PersonEmail, PersonCustodian))


def audit_of(database: Database, action: str) -> list[AuditEntry]:
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.seq)))


def problem(answer: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    found: dict[str, Any] = answer.json()
    if code is not None:
        assert found["code"] == code, found
    return found


def ingested_custodians(database: Database, *names: str) -> None:
    """Locations under these custodian names, as ingest would leave them."""
    with database.transaction() as session:
        session.add(Blob(sha256="a" * 64, size=1, created_at=NOW))
        for name in names:
            document = Document(kind=DocumentKind.email, family_id=uuid.uuid4(),
                                text_status=TextStatus.ok, blob_sha256="a" * 64)
            session.add(document)
            session.flush()
            for copy in ("inbox", "sent"):
                session.add(Location(document_id=document.id, custodian=name, source="test.mbox",
                                     folder=copy, source_id=f"{name}-{copy}",
                                     native_sha256="a" * 64))
