"""Helpers for the tests of the admin pages for the city's rules and texts (TestClient)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from app.core.db import Database
from tests.ui.conftest import csrf_of, trail


def post(api: TestClient, path: str, data: dict[str, Any], **kwargs: Any) -> Response:
    """A form sent as a browser sends it: with the token from a page of this session."""
    token = csrf_of(api.get("/dashboard").text)
    return api.post(path, data={"csrf_token": token, **data}, follow_redirects=False, **kwargs)


def audited(database: Database) -> int:
    return len(trail(database))
