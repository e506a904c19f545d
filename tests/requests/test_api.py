"""Intake, edits and transitions of records requests through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.clock import FrozenClock
from app.core.db import Database
from app.models import AuditEntry, Role, User
from tests.conftest import MakeUser
from tests.requests.conftest import Headers, body, counts, problem

TakeIn = Callable[..., dict[str, Any]]


def test_intake_numbers_and_times_the_request(api: TestClient, clerk_headers: Headers,
                                              clerk: User, database: Database) -> None:
    answer = api.post("/api/v1/requests", headers=clerk_headers, json=body(
        received_at="2026-06-30T10:00:00-06:00", assigned_to_id=str(clerk.id),
        departments=["Public Works", "Parks"], requester_organization="Springvale Ledger",
        category="news_media"))
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["number"] == "2026-0001"
    assert made["status"] == "received" and made["version"] == 1
    assert made["received_at"] == "2026-06-30T16:00:00Z"
    assert made["received_at_local"] == "2026-06-30T10:00:00-06:00"
    assert made["due_date"] == made["current_due_date"] == "2026-07-06"  # 3 July observed
    assert made["clock"]["rule_set"]["citation"].startswith("C.R.S. 24-72-203")
    assert "Independence Day (observed)" in [d["why"] for d in made["clock"]["days"]]
    assert made["overdue"] is False and made["due_soon"] is False
    second = api.post("/api/v1/requests", headers=clerk_headers, json=body()).json()
    assert second["number"] == "2026-0002"
    assert second["received_at"] == "2026-07-01T16:00:00Z"  # the clock's now
    assert second["due_date"] == "2026-07-07"
    with database.reading() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "request.create", AuditEntry.object_id == made["id"])).one()
        assert entry.details["after"]["due_date"] == "2026-07-06"
        assert entry.details["after"]["number"] == "2026-0001"


def test_numbers_run_per_year_of_receipt(take_in: TakeIn) -> None:
    assert take_in(received_at="2025-12-31T23:30:00-07:00")["number"] == "2025-0001"
    # 06:30 UTC on 1 January is still 31 December in Denver
    assert take_in(received_at="2026-01-01T06:30:00Z")["number"] == "2025-0002"
    assert take_in()["number"] == "2026-0001"


@pytest.mark.parametrize(("changes", "status", "says"), [
    ({"category": "lawyer"}, 422, "category"),
    ({"received_at": "2026-07-01T10:00:01-06:00"}, 400, "in the future"),
    ({"received_at": "2026-07-01T09:00:00"}, 422, "timezone"),
    ({"due_date": "2026-07-30"}, 422, "due_date cannot be set by hand"),
    ({"status": "closed"}, 422, "cannot be set by hand"),
    ({"requester_name": "  "}, 422, "requester_name"),
    ({"assigned_to_id": "00000000-0000-0000-0000-000000000000"}, 400, "assigned_to_id"),
    ({"favourite_colour": "blue"}, 422, "favourite_colour"),
    ({"requester_email": "dana@example.org\r\nBcc: all@example.org"}, 400, "one plain address"),
    ({"requester_email": "Dana <dana@example.org>"}, 400, "one plain address"),
])
def test_bad_intake_is_refused_and_changes_nothing(
    api: TestClient, clerk_headers: Headers, database: Database, changes: dict[str, Any],
    status: int, says: str
) -> None:
    before = counts(database)
    answer = problem(api.post("/api/v1/requests", headers=clerk_headers, json=body(**changes)),
                     status)
    assert says in str(answer)
    assert counts(database) == before


def test_a_due_date_cannot_be_patched(api: TestClient, clerk_headers: Headers,
                                      take_in: TakeIn, database: Database) -> None:
    made = take_in()
    before = counts(database)
    problem(api.patch(f"/api/v1/requests/{made['id']}", headers=clerk_headers,
                      json={"version": 1, "due_date": "2026-12-31"}), 422)
    assert counts(database) == before
    assert api.get(f"/api/v1/requests/{made['id']}", headers=clerk_headers
                   ).json()["due_date"] == made["due_date"]


def test_patch_changes_what_was_sent_and_retimes_on_receipt(
    api: TestClient, clerk_headers: Headers, take_in: TakeIn, database: Database
) -> None:
    made = take_in()
    answer = api.patch(f"/api/v1/requests/{made['id']}", headers=clerk_headers, json={
        "version": 1, "description": "Snow routes, all of 2025",
        "received_at": "2026-06-30T09:00:00-06:00"})
    assert answer.status_code == 200, answer.text
    patched = answer.json()
    assert patched["version"] == 2
    assert patched["description"] == "Snow routes, all of 2025"
    assert patched["requester_name"] == "Dana Reyes"
    assert patched["due_date"] == "2026-07-06"  # Wed 1, Thu 2, (Fri 3, weekend), Mon 6
    with database.reading() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "request.update")).one()
        assert entry.details["before"]["due_date"] == "2026-07-07"
        assert entry.details["after"]["due_date"] == "2026-07-06"
        assert "requester_name" not in entry.details["after"]


def test_two_clerks_editing_one_request_the_second_gets_409(
    api: TestClient, clerk_headers: Headers, make_user: MakeUser,
    login: Callable[[User], Headers], take_in: TakeIn, database: Database
) -> None:
    made = take_in()
    other = login(make_user(Role.clerk))
    url = f"/api/v1/requests/{made['id']}"
    seen_by_both = api.get(url, headers=other).json()["version"]
    first = api.patch(url, headers=clerk_headers,
                      json={"version": seen_by_both, "description": "first clerk's words"})
    assert first.status_code == 200, first.text
    before = counts(database)
    second = problem(api.patch(url, headers=other, json={
        "version": seen_by_both, "description": "second clerk's words"}), 409)
    assert second["current_version"] == 2
    assert counts(database) == before
    assert api.get(url, headers=other).json()["description"] == "first clerk's words"
    stale = problem(api.post(f"{url}/transitions", headers=other, json={
        "to": "in_progress", "reason": "starting", "version": seen_by_both}), 409)
    assert "changed since you read it" in stale["detail"]
    assert counts(database) == before


def test_transitions_follow_the_table_with_who_and_why(
    api: TestClient, clerk_headers: Headers, take_in: TakeIn, database: Database,
    clock: FrozenClock
) -> None:
    made = take_in()
    url = f"/api/v1/requests/{made['id']}"
    moved = api.post(f"{url}/transitions", headers=clerk_headers, json={
        "to": "in_progress", "reason": "searching Public Works mail", "version": 1})
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "in_progress" and moved.json()["closed_at"] is None
    before = counts(database)
    refused = problem(api.post(f"{url}/transitions", headers=clerk_headers, json={
        "to": "received", "reason": "undo", "version": 2}), 409)
    assert "cannot become received" in refused["detail"]
    problem(api.post(f"{url}/transitions", headers=clerk_headers, json={
        "to": "fulfilled", "reason": " ", "version": 2}), 422)
    problem(api.post(f"{url}/transitions", headers=clerk_headers, json={
        "to": "fulfilled", "version": 2}), 422)
    assert counts(database) == before
    clock.advance(days=2)
    done = api.post(f"{url}/transitions", headers=clerk_headers, json={
        "to": "fulfilled", "reason": "records sent by e-mail", "version": 2}).json()
    assert done["status"] == "fulfilled"
    assert done["closed_at"] == "2026-07-03T16:00:00Z"
    clock.advance(days=30)
    closed = api.post(f"{url}/transitions", headers=clerk_headers, json={
        "to": "closed", "reason": "no reply in 30 days", "version": 3}).json()
    assert closed["status"] == "closed" and closed["closed_at"] == "2026-07-03T16:00:00Z"
    problem(api.post(f"{url}/transitions", headers=clerk_headers, json={
        "to": "in_progress", "reason": "reopen", "version": 4}), 409)
    events = api.get(f"{url}/events", headers=clerk_headers).json()
    assert [(e["from_status"], e["to_status"], e["reason"]) for e in events] == [
        (None, "received", "received"),
        ("received", "in_progress", "searching Public Works mail"),
        ("in_progress", "fulfilled", "records sent by e-mail"),
        ("fulfilled", "closed", "no reply in 30 days"),
    ]
    assert {e["actor"] for e in events} == {events[0]["actor"]}
    with database.reading() as session:
        audited = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "request.transition").order_by(AuditEntry.seq)).all()
        assert [(a.details["after"]["status"], a.details["reason"]) for a in audited] == [
            ("in_progress", "searching Public Works mail"),
            ("fulfilled", "records sent by e-mail"), ("closed", "no reply in 30 days")]


def test_list_filters_by_status_overdue_due_soon_and_assignee(
    api: TestClient, clerk_headers: Headers, clerk: User, take_in: TakeIn, clock: FrozenClock
) -> None:
    late = take_in(received_at="2026-06-24T10:00:00-06:00")  # due Mon 29 June
    soon = take_in(received_at="2026-06-29T10:00:00-06:00")  # due Thu 2 July
    later = take_in(assigned_to_id=str(clerk.id))  # due Tue 7 July
    done = take_in(received_at="2026-06-22T10:00:00-06:00")
    api.post(f"/api/v1/requests/{done['id']}/transitions", headers=clerk_headers,
             json={"to": "denied", "reason": "no such records", "version": 1})

    def numbers(**query: Any) -> list[str]:
        answer = api.get("/api/v1/requests", headers=clerk_headers, params=query)
        assert answer.status_code == 200, answer.text
        return [r["number"] for r in answer.json()["items"]]

    assert numbers() == [done["number"], late["number"], soon["number"], later["number"]]
    assert numbers(overdue="true") == [late["number"]]
    assert numbers(due_soon="true") == [soon["number"]]
    assert numbers(status="denied") == [done["number"]]
    assert numbers(status=["received", "denied"]) == numbers()
    assert numbers(assigned_to=str(clerk.id)) == [later["number"]]
    one = api.get(f"/api/v1/requests/{late['id']}", headers=clerk_headers).json()
    assert one["overdue"] is True and one["due_soon"] is False
    clock.advance(days=1)  # Thursday 2 July: `soon` is due today, `later` not yet soon
    assert numbers(due_soon="true") == [soon["number"]]
    clock.advance(days=1)  # Friday 3 July, a holiday: `soon` is overdue, `later` still not
    assert numbers(overdue="true") == [late["number"], soon["number"]]
    clock.advance(days=3)  # Monday 6 July: `later` (due Tuesday) is due soon
    assert numbers(due_soon="true") == [later["number"]]
    problem(api.get("/api/v1/requests", headers=clerk_headers, params={"status": "lost"}), 422)


def test_an_unknown_request_is_404(api: TestClient, clerk_headers: Headers) -> None:
    problem(api.get("/api/v1/requests/00000000-0000-0000-0000-000000000000",
                    headers=clerk_headers), 404)
