"""Fixtures for productions: the app on a frozen clock, signed-in staff, and a way to run
the build job as a worker would."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.db import Database
from app.core.hashing import sha256
from app.core.jobs import Services, claim, run
from app.models import JobState, Redaction, RedactionStatus, Role
from app.productions.tasks import KIND
from tests.conftest import MakeUser

Headers = dict[str, str]
Json = dict[str, Any]


@pytest.fixture
def clerk(make_user: MakeUser, login: Callable[..., Headers]) -> Headers:
    return login(make_user(Role.clerk))


@pytest.fixture
def attorney(make_user: MakeUser, login: Callable[..., Headers]) -> Headers:
    return login(make_user(Role.attorney))


@pytest.fixture
def auditor(make_user: MakeUser, login: Callable[..., Headers]) -> Headers:
    return login(make_user(Role.auditor))


def app_database(api: TestClient) -> Database:
    database: Database = api.app.state.database  # type: ignore[attr-defined]
    return database


def run_builds(api: TestClient) -> None:
    """Run every queued build job to its end, as a worker does."""
    database = app_database(api)
    services = Services.open(api.app.state.settings, database)  # type: ignore[attr-defined]
    while (job := claim(database, "test-worker", timedelta(minutes=5), {KIND})) is not None:
        assert run(services, job) == JobState.done


def series(api: TestClient, headers: Headers, prefix: str = "CITY", **more: Any) -> Json:
    made = api.post("/api/v1/bates-series", headers=headers, json={"prefix": prefix, **more})
    assert made.status_code == 201, made.text
    body: Json = made.json()
    return body


def produce(api: TestClient, headers: Headers, source: Json, series_id: str) -> Json:
    """Draft, build and verify a production; the production as the API shows it."""
    made = api.post("/api/v1/productions", headers=headers, json={"series_id": series_id, **source})
    assert made.status_code == 201, made.text
    production_id = made.json()["id"]
    queued = api.post(f"/api/v1/productions/{production_id}/build", headers=headers)
    assert queued.status_code == 202, queued.text
    run_builds(api)
    shown: Json = api.get(f"/api/v1/productions/{production_id}", headers=headers).json()
    return shown


def accept(database: Database, document_id: uuid.UUID, text: str, quote: str,
           citation: str = "SSN", reason: str = "Social Security number") -> None:
    """An accepted redaction on every occurrence of `quote` in `text`, as a reviewer leaves it."""
    with database.transaction() as session:
        start = text.index(quote)
        while start >= 0:
            session.add(Redaction(
                text_sha256=sha256(text), document_id=document_id, start=start,
                end=start + len(quote), quote=quote, detector="manual", confidence=1.0,
                status=RedactionStatus.accepted, reason=reason, citation_code=citation,
                reviewer="rita.reviewer"))
            start = text.find(quote, start + 1)
