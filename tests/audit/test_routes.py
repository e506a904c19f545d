"""Auditors list, export and verify the trail over the API."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.core.db import Database
from app.models import Role, User
from tests.audit.test_chain import behind_the_back
from tests.conftest import MakeUser
from tests.test_openapi import documented

Headers = Callable[[User], dict[str, str]]


def test_listing_filters_by_actor_action_and_object(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    clerk = make_user(Role.clerk, username="mdelgado")
    make_user(Role.attorney, username="praman")
    auditor = sign_in(make_user(Role.auditor))
    everything = client.get("/api/v1/audit", headers=auditor).json()
    assert everything["total"] >= 4  # three user.create, one login
    created = client.get("/api/v1/audit", headers=auditor,
                         params={"action": "user.create", "object_id": str(clerk.id)}).json()
    assert created["total"] == 1
    assert created["items"][0]["details"]["after"]["username"] == "mdelgado"
    page = client.get("/api/v1/audit", headers=auditor, params={"limit": 1, "offset": 1}).json()
    assert [e["seq"] for e in page["items"]] == [2]


def test_time_filters_need_a_utc_offset(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    auditor = sign_in(make_user(Role.auditor))
    naive = client.get("/api/v1/audit", headers=auditor, params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 400
    assert "UTC offset" in naive.json()["detail"]
    future = client.get("/api/v1/audit", headers=auditor,
                        params={"since": "2999-01-01T00:00:00-07:00"}).json()
    assert future["total"] == 0


def test_time_filters_are_dates_not_numbers(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    """Pydantic would read `until=2026` as 2026 seconds after 1970 (found by schemathesis:
    `until=0.5` answered 200): a date that is a number is refused, with where it was."""
    auditor = sign_in(make_user(Role.auditor))
    for path in ("/api/v1/audit", "/api/v1/audit/export"):
        for value in ("2026", "0.5", "-7", " 1700000000 ", "4.07e-36", "1_000"):
            answer = client.get(path, headers=auditor, params={"until": value})
            assert answer.status_code == 422, (path, value)
            assert answer.json()["errors"][0]["location"] == ["query", "until"]
    dated = client.get("/api/v1/audit", headers=auditor, params={"until": "2026-11-29T09:00:00Z"})
    assert dated.status_code == 200


def test_exports_as_json_lines_and_csv_match_the_listing(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    auditor = sign_in(make_user(Role.auditor))
    listed = client.get("/api/v1/audit", headers=auditor, params={"limit": 500}).json()["items"]
    lines = client.get("/api/v1/audit/export", headers=auditor, params={"format": "jsonl"})
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    exported = [json.loads(line) for line in lines.text.splitlines()]
    # The export itself is audited, so it holds one entry more than the listing before it.
    assert [e["hash"] for e in exported[: len(listed)]] == [e["hash"] for e in listed]
    assert exported[-1]["action"] == "audit.export"
    table = client.get("/api/v1/audit/export", headers=auditor,
                       params={"format": "csv", "action": "user.create"})
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert rows and {r["action"] for r in rows} == {"user.create"}
    assert json.loads(rows[0]["details"])["after"]["roles"] == ["auditor"]
    for answer in (lines, table):
        assert documented("GET", "/api/v1/audit/export", answer.headers["content-type"])


def test_verify_names_the_first_broken_entry(
    client: TestClient, database: Database, make_user: MakeUser, sign_in: Headers
) -> None:
    auditor = sign_in(make_user(Role.auditor))
    intact = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert intact["intact"] and intact["entries_checked"] == 2
    behind_the_back(database, "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1")
    broken = client.get("/api/v1/audit/verify", headers=auditor).json()
    assert broken["intact"] is False
    assert broken["first_broken_seq"] == 1
    assert "changed" in broken["problem"]


def test_who_verified_the_trail_and_its_verdict_are_audited(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    auditor_user = make_user(Role.auditor)
    auditor = sign_in(auditor_user)
    verdict = client.get("/api/v1/audit/verify", headers=auditor).json()
    entries = client.get("/api/v1/audit", headers=auditor,
                         params={"action": "audit.verify"}).json()["items"]
    assert len(entries) == 1 and entries[0]["actor"] == auditor_user.username
    assert entries[0]["details"]["intact"] is True
    assert entries[0]["details"]["entries_checked"] == verdict["entries_checked"]


def test_clerks_cannot_read_the_trail(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    clerk = sign_in(make_user(Role.clerk))
    for path in ("/api/v1/audit", "/api/v1/audit/export", "/api/v1/audit/verify"):
        assert client.get(path, headers=clerk).status_code == 403


def test_a_page_over_the_cap_is_a_validation_error_as_on_search(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    """`limit` over CUSTODIA_PAGE_SIZE_MAX is a payload mistake like `size` over 200: 422."""
    headers = sign_in(make_user(Role.auditor, Role.clerk))
    listing = client.get("/api/v1/audit", headers=headers, params={"limit": 1_000_000})
    search = client.post("/api/v1/search", headers=headers, json={"query": "x", "size": 1_000_000})
    for answer in (listing, search):
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
    assert listing.json()["errors"][0]["location"] == ["query", "limit"]
