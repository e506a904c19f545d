"""Records requests made straight in the database (app/requests/ is built elsewhere)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.core.db import Database
from app.models import Channel, RecordsRequest, RequesterCategory, RequestStatus

MakeRequest = Callable[..., RecordsRequest]


@pytest.fixture
def make_request(database: Database) -> MakeRequest:
    def make(**fields: Any) -> RecordsRequest:
        values: dict[str, Any] = {
            "number": f"2026-{uuid.uuid4().int % 10_000:04d}", "requester_name": "Alex Requester",
            "requester_email": "alex@example.org", "category": RequesterCategory.general,
            "description": "E-mails about the snow routes, November 2026", "channel": Channel.web,
            "received_at": datetime(2026, 12, 1, 16, 0, tzinfo=UTC), "status": RequestStatus.received,
            "due_date": date(2026, 12, 4), **fields,
        }
        with database.transaction() as session:
            request = RecordsRequest(**values)
            session.add(request)
            session.flush()
            return request

    return make
