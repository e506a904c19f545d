"""An app on a frozen clock (Wednesday 1 July 2026, 10:00 in Denver), its people, and
helpers to take in a request and count what changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.settings import Settings
from app.models import AuditEntry, RecordsRequest, RequestEvent, Role, User
from tests.conftest import MakeUser

NOW = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)  # Wednesday 10:00 in Denver
Headers = dict[str, str]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The frozen clock moves by days; a sign-in should outlast it.
    return settings.model_copy(update={"access_token_minutes": 60 * 24 * 400})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def clerk(make_user: MakeUser) -> User:
    return make_user(Role.clerk)


@pytest.fixture
def clerk_headers(clerk: User, login: Callable[[User], Headers]) -> Headers:
    return login(clerk)


@pytest.fixture
def admin_headers(make_user: MakeUser, login: Callable[[User], Headers]) -> Headers:
    return login(make_user(Role.admin))


def body(**changes: Any) -> dict[str, Any]:
    return {"requester_name": "Dana Reyes", "requester_email": "dana@example.org",
            "category": "general", "description": "Snow-route e-mails of December 2025",
            "channel": "email", **changes}


@pytest.fixture
def take_in(api: TestClient, clerk_headers: Headers) -> Callable[..., dict[str, Any]]:
    def post(**changes: Any) -> dict[str, Any]:
        answer = api.post("/api/v1/requests", headers=clerk_headers, json=body(**changes))
        assert answer.status_code == 201, answer.text
        found: dict[str, Any] = answer.json()
        return found

    return post


def counts(database: Database) -> tuple[int, int, int]:
    """Audit entries, requests and status events: what a refused change must leave alone."""
    with database.reading() as session:
        return (session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
                session.scalar(select(func.count()).select_from(RecordsRequest)) or 0,
                session.scalar(select(func.count()).select_from(RequestEvent)) or 0)


def problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    found: dict[str, Any] = answer.json()
    return found
