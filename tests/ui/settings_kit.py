"""Helpers for the tests of the admin pages for the city's rules and texts (TestClient)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from app.core.db import Database
from app.models import User
from tests.conftest import TEST_PASSWORD
from tests.ui.conftest import trail


def token_of(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def signed_in(api: TestClient, user: User) -> TestClient:
    page = api.get("/sign-in")
    answer = api.post("/sign-in", data={"username": user.username, "password": TEST_PASSWORD,
                                        "csrf_token": token_of(page.text), "next": "/dashboard"},
                      follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return api


def post(api: TestClient, path: str, data: dict[str, Any], **kwargs: Any) -> Response:
    """A form sent as a browser sends it: with the token from a page of this session."""
    token = token_of(api.get("/dashboard").text)
    return api.post(path, data={"csrf_token": token, **data}, follow_redirects=False, **kwargs)


def audited(database: Database) -> int:
    return len(trail(database))
