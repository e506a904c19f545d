"""No request may carry a NUL character in its text: PostgreSQL cannot store one, so such
requests answered 500 there (found by schemathesis); now both backends answer 422."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.db import Database
from tests.ingest.test_sources import people  # noqa: F401 (a fixture)
from tests.security.conftest import trail

NUL = "a\x00b"
# (who, method, path, request arguments, where the NUL is)
REQUESTS: list[tuple[str, str, str, dict[str, Any], list[str]]] = [
    ("admin", "POST", "/api/v1/users", {"json": {
        "username": "ok", "roles": ["clerk"], "password": "x" * 12, "email": NUL}},
     ["body", "email"]),
    ("admin", "POST", "/api/v1/auth/api-tokens", {"json": {"name": NUL, "username": "x"}},
     ["body", "name"]),
    ("clerk", "POST", "/api/v1/ingest/jobs", {"json": {"custodian": "parks", "source": {
        "type": "imap", "connection": "city", "folders": ["INBOX", NUL]}}},
     ["body", "source", "imap", "folders"]),
    ("clerk", "POST", "/api/v1/ingest/jobs", {"json": {"custodian": "parks", "source": {
        "type": "root", "root": "shared", "path": "parks\x00/../../etc"}}},
     ["body", "source", "root", "path"]),
    ("clerk", "POST", "/api/v1/saved-searches", {"json": {"name": NUL, "query": "x"}},
     ["body", "name"]),
    ("clerk", "POST", "/api/v1/search", {"json": {"query": NUL}}, ["body", "query"]),
    ("auditor", "GET", "/api/v1/audit", {"params": {"actor": NUL}}, ["query", "actor"]),
    ("nobody", "POST", "/api/v1/auth/token", {"data": {"username": NUL, "password": "x"}},
     ["body", "username"]),
]


@pytest.mark.parametrize("who, method, path, arguments, where", REQUESTS,
                         ids=[f"{method} {path}" for _, method, path, _, _ in REQUESTS])
def test_text_with_a_nul_is_a_422_naming_the_field(
    client: TestClient, people: dict[str, dict[str, str]], database: Database,  # noqa: F811
    who: str, method: str, path: str, arguments: dict[str, Any], where: list[str],
) -> None:
    before = trail(database)
    answer = client.request(method, path, headers=people.get(who, {}), **arguments)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert where in [error["location"] for error in answer.json()["errors"]]
    assert trail(database) == before  # nothing done, nothing audited


def test_an_upload_for_a_custodian_with_a_nul_is_refused(
    client: TestClient, people: dict[str, dict[str, str]],  # noqa: F811
) -> None:
    answer = client.post("/api/v1/ingest/uploads", headers=people["clerk"],
                         data={"custodian": NUL}, files=[("files", ("1.eml", b"x", "message/rfc822"))])
    assert answer.status_code == 400 and "NUL" in answer.json()["detail"]
