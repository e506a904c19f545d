"""The clock's data through the API: rule sets by date, closures that retime running
requests, the extension's window, payment, and the explanation of a request's clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.core.audit import Actor
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.errors import BadRequest, Conflict
from app.models import AuditEntry, RecordsRequest, RequestEvent
from app.requests import service
from app.requests.schemas import RequestPatch
from tests.requests.conftest import Headers, counts, problem

TakeIn = Callable[..., dict[str, Any]]
SB25_077 = {"effective_from": "2027-01-04", "response_days": 5, "extension_days": 10,
            "delivery_days": 3, "citation": "SB25-077 (as passed; vetoed)",
            "note": "for testing a change of law",
            "category_overrides": {"news_media": {"response_days": 3, "extension_days": 7}}}


def actions(database: Database, action: str) -> list[AuditEntry]:
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.seq)))


def test_the_seeded_rule_set_is_coras(api: TestClient, clerk_headers: Headers) -> None:
    [seed] = api.get("/api/v1/clock/rule-sets", headers=clerk_headers).json()
    assert (seed["response_days"], seed["extension_days"], seed["delivery_days"]) == (3, 7, 3)
    assert seed["receipt_day_counts"] is False and seed["business_hours_cutoff"] is None
    assert seed["citation"].startswith("C.R.S. 24-72-203")


def test_a_future_rule_set_times_requests_received_from_its_day(
    api: TestClient, admin_headers: Headers, take_in: TakeIn, clock: FrozenClock,
    database: Database
) -> None:
    added = api.post("/api/v1/clock/rule-sets", headers=admin_headers, json=SB25_077)
    assert added.status_code == 201, added.text
    new_id = added.json()["id"]
    assert actions(database, "clock_rule_set.create")[0].details["after"]["response_days"] == 5
    clock.set(datetime(2027, 1, 5, 17, 0, tzinfo=UTC))
    day_before = take_in(received_at="2027-01-03T10:00:00-07:00")  # Sunday, old rules
    on_the_day = take_in(received_at="2027-01-04T10:00:00-07:00")  # Monday, new rules
    news_media = take_in(received_at="2027-01-04T10:00:00-07:00", category="news_media")
    assert day_before["due_date"] == "2027-01-06"
    assert day_before["clock"]["rule_set"]["effective_from"] == "1900-01-01"
    assert on_the_day["due_date"] == "2027-01-11"
    assert on_the_day["clock"]["rule_set"]["id"] == new_id
    assert news_media["due_date"] == "2027-01-07"
    assert news_media["clock"]["response_days"] == 3


@pytest.mark.parametrize("effective_from", ["2026-07-01", "2026-06-30"])
def test_a_rule_set_that_would_retime_received_requests_is_refused(
    api: TestClient, admin_headers: Headers, database: Database, effective_from: str
) -> None:
    before = counts(database)
    refused = problem(api.post("/api/v1/clock/rule-sets", headers=admin_headers,
                               json={**SB25_077, "effective_from": effective_from}), 400)
    assert "after today (2026-07-01)" in refused["detail"]
    assert counts(database) == before
    assert len(api.get("/api/v1/clock/rule-sets", headers=admin_headers).json()) == 1


def test_bad_rule_sets_are_refused(api: TestClient, admin_headers: Headers,
                                   database: Database) -> None:
    assert api.post("/api/v1/clock/rule-sets", headers=admin_headers,
                    json=SB25_077).status_code == 201
    before = counts(database)
    problem(api.post("/api/v1/clock/rule-sets", headers=admin_headers, json=SB25_077), 409)
    problem(api.post("/api/v1/clock/rule-sets", headers=admin_headers,
                     json={**SB25_077, "effective_from": "2027-02-01", "response_days": 0}), 422)
    problem(api.post("/api/v1/clock/rule-sets", headers=admin_headers, json={
        **SB25_077, "effective_from": "2027-02-01",
        "category_overrides": {"bloggers": {"response_days": 1}}}), 422)
    assert counts(database) == before


def test_a_closure_retimes_running_requests_only(
    api: TestClient, admin_headers: Headers, clerk_headers: Headers, take_in: TakeIn,
    database: Database
) -> None:
    running = take_in()  # Wednesday 1 July: due Tuesday 7 July
    denied = take_in()
    api.post(f"/api/v1/requests/{denied['id']}/transitions", headers=clerk_headers,
             json={"to": "denied", "reason": "not ours", "version": 1})
    added = api.post("/api/v1/clock/closures", headers=admin_headers,
                     json={"day": "2026-07-06", "name": "Water main break"})
    assert added.status_code == 201, added.text
    assert added.json()["retimed"] == [{
        "number": running["number"],
        "before": {"due_date": "2026-07-07", "extended_due_date": None,
                   "delivery_due_date": None},
        "after": {"due_date": "2026-07-08", "extended_due_date": None,
                  "delivery_due_date": None}}]
    now = api.get(f"/api/v1/requests/{running['id']}", headers=clerk_headers).json()
    assert now["due_date"] == "2026-07-08" and now["version"] == 2
    assert {"date": "2026-07-06", "counted": False,
            "why": "city closure: Water main break"} in now["clock"]["days"]
    assert api.get(f"/api/v1/requests/{denied['id']}", headers=clerk_headers
                   ).json()["due_date"] == "2026-07-07"
    [retimed] = actions(database, "request.retime")
    assert retimed.object_id == running["id"]
    assert retimed.details["before"]["due_date"] == "2026-07-07"
    assert retimed.details["after"]["due_date"] == "2026-07-08"
    assert "Water main break" in retimed.details["why"]
    assert actions(database, "city_closure.add")[0].details["after"]["day"] == "2026-07-06"
    before = counts(database)
    problem(api.post("/api/v1/clock/closures", headers=admin_headers,
                     json={"day": "2026-07-06", "name": "again"}), 409)
    assert counts(database) == before
    closure_id = added.json()["closure"]["id"]
    removed = api.delete(f"/api/v1/clock/closures/{closure_id}", headers=admin_headers)
    assert removed.status_code == 200, removed.text
    assert removed.json()["retimed"][0]["after"]["due_date"] == "2026-07-07"
    assert len(actions(database, "city_closure.remove")) == 1
    assert api.get("/api/v1/clock/closures", headers=admin_headers).json() == []


def test_an_extension_on_the_last_day_is_taken_the_day_after_refused(
    api: TestClient, clerk_headers: Headers, take_in: TakeIn, clock: FrozenClock,
    database: Database
) -> None:
    first, second = take_in(), take_in()  # both due Tuesday 7 July
    clock.set(datetime(2026, 7, 7, 23, 59, tzinfo=UTC))  # 17:59 on the last day, in Denver
    problem(api.post(f"/api/v1/requests/{first['id']}/extension", headers=clerk_headers,
                     json={"reason": "", "version": 1}), 422)
    taken = api.post(f"/api/v1/requests/{first['id']}/extension", headers=clerk_headers,
                     json={"reason": "records are in off-site storage", "version": 1})
    assert taken.status_code == 200, taken.text
    extended = taken.json()
    assert extended["due_date"] == "2026-07-07"
    assert extended["extended_due_date"] == extended["current_due_date"] == "2026-07-16"
    assert extended["extension_noticed_at"] == "2026-07-07T23:59:00Z"
    assert extended["extension_reason"] == "records are in off-site storage"
    [entry] = actions(database, "request.extend")
    assert entry.details["after"]["extended_due_date"] == "2026-07-16"
    # Taking the extension is sending its notice: a letter stating the reason and the new date.
    notices = api.get(f"/api/v1/requests/{first['id']}/letters", headers=clerk_headers).json()
    [notice] = notices["items"]
    assert (notice["kind"], notice["recipient"], notice["delivery"]) == (
        "extension_notice", "dana@example.org", "queued")
    html = api.get(f"/api/v1/requests/{first['id']}/letters/{notice['id']}.html",
                   headers=clerk_headers).text
    assert "records are in off-site storage" in html and "July 16, 2026" in html
    before = counts(database)
    again = problem(api.post(f"/api/v1/requests/{first['id']}/extension",
                             headers=clerk_headers, json={"reason": "more", "version": 2}), 409)
    assert "already extended" in again["detail"]
    clock.set(datetime(2026, 7, 8, 6, 0, tzinfo=UTC))  # 00:00 Wednesday 8 July in Denver
    late = problem(api.post(f"/api/v1/requests/{second['id']}/extension",
                            headers=clerk_headers, json={"reason": "busy", "version": 1}), 409)
    assert "ended on 2026-07-07" in late["detail"]
    assert late["original_due_date"] == "2026-07-07"
    assert counts(database) == before
    shown = api.get(f"/api/v1/requests/{first['id']}/clock", headers=clerk_headers).json()
    assert shown["today"] == "2026-07-08" and shown["current_due_date"] == "2026-07-16"
    assert shown["overdue"] is False
    assert shown["explanation"]["extension"]["reason"] == "records are in off-site storage"
    assert shown["explanation"]["days"][-1]["why"] == "extension working day 7 of 7"
    overdue = api.get(f"/api/v1/requests/{second['id']}/clock", headers=clerk_headers).json()
    assert overdue["overdue"] is True


def test_records_are_due_after_payment(api: TestClient, clerk_headers: Headers,
                                       take_in: TakeIn, clock: FrozenClock) -> None:
    made = take_in()
    api.post(f"/api/v1/requests/{made['id']}/transitions", headers=clerk_headers,
             json={"to": "awaiting_payment", "reason": "estimate sent: 2 hours", "version": 1})
    database: Database = api.app.state.database  # type: ignore[attr-defined]
    actor = Actor("fees", "127.0.0.1", "test")
    clock.advance(days=1)  # Thursday 2 July
    with database.transaction() as session:
        request = session.get_one(RecordsRequest, uuid.UUID(made["id"]))
        with pytest.raises(BadRequest, match="future"):
            service.records_due_after_payment(session, actor, request,
                                              datetime(2026, 7, 3, tzinfo=UTC))
        service.records_due_after_payment(session, actor, request, clock.now())
    shown = api.get(f"/api/v1/requests/{made['id']}", headers=clerk_headers).json()
    assert shown["paid_at"] == "2026-07-02T16:00:00Z"
    assert shown["delivery_due_date"] == shown["current_due_date"] == "2026-07-08"
    assert shown["status"] == "in_progress"
    with database.reading() as session:
        last = session.scalars(select(RequestEvent).where(RequestEvent.request_id == request.id)
                               .order_by(RequestEvent.seq.desc())).first()
        assert last is not None and last.reason == "payment received"
        [paid] = session.scalars(select(AuditEntry).where(AuditEntry.action == "request.paid"))
        assert paid.details["after"]["delivery_due_date"] == "2026-07-08"


def test_a_concurrent_save_is_a_conflict_not_a_lost_update(
    api: TestClient, take_in: TakeIn
) -> None:
    """Another transaction commits between this one's read and its write (StaleDataError)."""
    made = take_in()
    database: Database = api.app.state.database  # type: ignore[attr-defined]
    actor = Actor("clerk-a", "127.0.0.1", "test")
    with pytest.raises(Conflict, match="changed by someone else"), \
            database.transaction() as session:
        request = session.get_one(RecordsRequest, uuid.UUID(made["id"]))
        session.execute(update(RecordsRequest.__table__).where(
            RecordsRequest.__table__.c.id == request.id).values(version=2, description="B"))
        service.update(session, actor, request, RequestPatch(version=1, description="A"),
                       ZoneInfo("America/Denver"))
    with database.reading() as session:
        assert session.get_one(RecordsRequest, uuid.UUID(made["id"])).description == made["description"]
