"""One clock: rows, audit entries and token expiry all read the time from the app's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.clock import FrozenClock, SystemClock
from app.core.settings import Settings
from app.main import create_app
from app.models import AuditEntry, Role, User
from tests.conftest import TEST_PASSWORD, MakeUser

FROZEN_AT = datetime(2025, 3, 14, 16, 30, tzinfo=UTC)


def test_the_system_clock_tells_aware_utc_time() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_a_frozen_clock_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        FrozenClock(datetime(2025, 1, 1))  # noqa: DTZ001 - the naive time is the point


def test_the_apps_clock_times_rows_audit_entries_and_token_expiry(
    settings: Settings, make_user: MakeUser
) -> None:
    clock = FrozenClock(FROZEN_AT)
    admin = make_user(Role.admin)
    app = create_app(settings, clock)
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token",
                            data={"username": admin.username, "password": TEST_PASSWORD})
        assert token.status_code == 200, token.text
        assert token.json()["expires_at"] == (
            FROZEN_AT + timedelta(minutes=settings.access_token_minutes)
        ).isoformat().replace("+00:00", "Z")
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        created = client.post("/api/v1/users", headers=headers, json={
            "username": "frozen-clerk", "roles": ["clerk"], "password": TEST_PASSWORD})
        assert created.status_code == 201, created.text

        clock.advance(minutes=settings.access_token_minutes - 1)
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
        clock.advance(minutes=1)  # the token's expiry, by the app's clock, not the system's
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401

    database = app.state.database
    with database.reading() as session:
        clerk = session.scalars(select(User).where(User.username == "frozen-clerk")).one()
        made = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.create",
                                                        AuditEntry.object_id == str(clerk.id)))
        assert clerk.created_at == FROZEN_AT
        assert made.one().occurred_at == FROZEN_AT
