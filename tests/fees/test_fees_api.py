"""Fees over the API: time, live and issued estimates, invoices, payments, deposits, waivers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import RequestStatus, Role
from tests.conftest import TEST_PASSWORD, MakeUser
from tests.review.factories import (
    audit_actions,
    audit_count,
    audit_entries,
    index,
    last_audit,
    make_family,
    make_request,
)

Headers = dict[str, str]
PAID_AT = "2026-12-01T17:00:00+00:00"


def fees_url(request_id: uuid.UUID, tail: str = "") -> str:
    return f"/api/v1/requests/{request_id}/fees{tail}"


def log(client: TestClient, headers: Headers, request_id: uuid.UUID, minutes: int) -> None:
    response = client.post(f"/api/v1/requests/{request_id}/time", headers=headers,
                           json={"minutes": minutes, "worked_on": "2026-12-01",
                                 "note": "searched the mailboxes"})
    assert response.status_code == 201, response.text


def invoice(client: TestClient, headers: Headers, request_id: uuid.UUID,
            **body: object) -> dict[str, object]:
    response = client.post(fees_url(request_id, "/invoices"), headers=headers, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def pay(client: TestClient, headers: Headers, request_id: uuid.UUID, amount: str,
        kind: str = "payment") -> dict[str, object]:
    response = client.post(fees_url(request_id, "/payments"), headers=headers, json={
        "amount": amount, "kind": kind, "method": "check", "received_at": PAID_AT,
        "reference": "check 1042"})
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_exactly_one_hour_is_free_and_settles_at_once(
    client: TestClient, clerk: Headers, database: Database,
) -> None:
    request_id = make_request(database)
    log(client, clerk, request_id, 40)
    log(client, clerk, request_id, 20)
    found = invoice(client, clerk, request_id)
    assert found["amount"] == "0.00" and found["minutes"] == 60
    assert "First 60 minutes free: 60 minutes applied" in [line["text"] for line in
                                                            found["lines"]]  # type: ignore[attr-defined]
    # settled at once: the records are now due on the clock's delivery days (request.paid)
    assert audit_actions(database)[-3:] == ["fee.invoice", "fees.paid_in_full", "request.paid"]
    assert client.get(fees_url(request_id), headers=clerk).json()["settled"] is True


def test_61_minutes_on_paper_then_paid_in_full(
    client: TestClient, clerk: Headers, database: Database,
) -> None:
    request_id = make_request(database)
    log(client, clerk, request_id, 61)
    found = invoice(client, clerk, request_id, pages=40, delivery="paper")
    assert found["amount"] == "10.68"  # $0.68 for the minute, $10.00 for 40 pages
    summary = client.get(fees_url(request_id), headers=clerk).json()
    assert (summary["due"], summary["settled"], summary["minutes_logged"]) == ("10.68", False, 61)
    before = audit_count(database)
    over = client.post(fees_url(request_id, "/payments"), headers=clerk, json={
        "amount": "10.69", "method": "cash", "received_at": PAID_AT})
    assert over.status_code == 400 and over.json()["code"] == "overpayment"
    assert audit_count(database) == before
    pay(client, clerk, request_id, "5.00")
    assert "fees.paid_in_full" not in audit_actions(database)
    pay(client, clerk, request_id, "5.68")
    paid_in_full, restarted = audit_entries(database)[-2:]
    assert paid_in_full.action == "fees.paid_in_full" and paid_in_full.details["paid_at"] == PAID_AT
    # Paid on Tuesday 1 December (10:00 in Denver): three working days after it, not counting it.
    assert restarted.action == "request.paid"
    assert restarted.details["after"]["delivery_due_date"] == "2026-12-04"
    shown = client.get(f"/api/v1/requests/{request_id}", headers=clerk).json()
    assert shown["delivery_due_date"] == shown["current_due_date"] == "2026-12-04"
    summary = client.get(fees_url(request_id), headers=clerk).json()
    assert (summary["due"], summary["paid"], summary["settled"]) == ("0.00", "10.68", True)
    assert [p["amount"] for p in summary["payments"]] == ["5.00", "5.68"]


def test_email_delivery_costs_nothing_for_the_same_pages(
    client: TestClient, clerk: Headers, database: Database,
) -> None:
    request_id = make_request(database)
    log(client, clerk, request_id, 61)
    assert invoice(client, clerk, request_id, pages=40, delivery="email")["amount"] == "0.68"


def test_a_deposit_is_taken_before_the_invoice_and_counts_against_it(
    client: TestClient, clerk: Headers, database: Database,
) -> None:
    request_id = make_request(database)
    pay(client, clerk, request_id, "20.00", kind="deposit")
    early = client.get(fees_url(request_id), headers=clerk).json()
    assert (early["due"], early["credit"], early["settled"]) == ("0.00", "20.00", False)
    refused = client.post(fees_url(request_id, "/payments"), headers=clerk, json={
        "amount": "1.00", "method": "cash", "received_at": PAID_AT})
    assert refused.json()["code"] == "overpayment"  # nothing is owed before an invoice
    log(client, clerk, request_id, 120)
    invoice(client, clerk, request_id)  # 41.37
    summary = client.get(fees_url(request_id), headers=clerk).json()
    assert (summary["charged"], summary["due"], summary["settled"]) == ("41.37", "21.37", False)
    pay(client, clerk, request_id, "21.37")
    assert audit_actions(database)[-2:] == ["fees.paid_in_full", "request.paid"]


def test_a_waiver_needs_its_reason_and_settles_the_invoice(
    client: TestClient, clerk: Headers, database: Database,
) -> None:
    request_id = make_request(database)
    log(client, clerk, request_id, 120)
    invoice(client, clerk, request_id)
    before = audit_count(database)
    for body in ({}, {"reason": "   "}, {"reason": "ok", "amount": "-1"}):
        refused = client.post(fees_url(request_id, "/waivers"), headers=clerk, json=body)
        assert refused.status_code in (400, 422), body
        assert refused.headers["content-type"] == "application/problem+json"
    assert audit_count(database) == before
    waived = client.post(fees_url(request_id, "/waivers"), headers=clerk,
                         json={"reason": "Public interest: a news story on the water rates"})
    assert waived.status_code == 201, waived.text
    assert audit_actions(database)[-3:] == ["fee.waiver", "fees.paid_in_full", "request.paid"]
    summary = client.get(fees_url(request_id), headers=clerk).json()
    assert (summary["waived"], summary["due"], summary["settled"]) == ("41.37", "0.00", True)


def test_the_estimate_follows_the_review_set_and_is_kept_when_issued(
    client: TestClient, clerk: Headers, database: Database,
) -> None:
    request_id = make_request(database)
    for n in range(40):
        make_family(database, f"Water memo {n}", "reservoir levels")
    index(database, client)
    live = client.get(fees_url(request_id, "/estimate"), headers=clerk).json()
    assert (live["documents"], live["amount"], live["id"]) == (0, "0.00", None)
    client.post(f"/api/v1/requests/{request_id}/review-set/searches", headers=clerk,
                json={"query": "reservoir"})
    live = client.get(fees_url(request_id, "/estimate"), headers=clerk,
                      params={"pages": 40, "delivery": "paper"}).json()
    # 40 documents x 2 minutes = 80 minutes: 20 billable = $13.79, and 40 pages = $10.00
    assert (live["documents"], live["minutes"], live["amount"]) == (40, 80, "23.79")
    issued = client.post(fees_url(request_id, "/estimates"), headers=clerk,
                         json={"pages": 40, "delivery": "paper"})
    assert issued.status_code == 201 and issued.json()["amount"] == "23.79"
    assert last_audit(database).action == "fee.estimate"
    summary = client.get(fees_url(request_id), headers=clerk).json()
    assert summary["estimate"]["id"] == issued.json()["id"]
    assert summary["estimate"]["lines"] == live["lines"]


def test_bad_input_is_refused_and_changes_nothing(
    client: TestClient, clerk: Headers, database: Database,
) -> None:
    open_id = make_request(database)
    closed = {status: make_request(database, status) for status in (
        RequestStatus.closed, RequestStatus.withdrawn, RequestStatus.denied)}
    before = audit_count(database)
    for minutes in (0, -30, 1.5, "ten"):
        response = client.post(f"/api/v1/requests/{open_id}/time", headers=clerk,
                               json={"minutes": minutes, "worked_on": "2026-12-01"})
        assert response.status_code == 422, minutes
    numbered = client.post(f"/api/v1/requests/{open_id}/time", headers=clerk,
                           json={"minutes": 10, "worked_on": 0})  # not 1 January 1970
    assert numbered.status_code == 422
    for day in ("2026-11-01", "2999-01-01"):  # before the request came in; still to come
        response = client.post(f"/api/v1/requests/{open_id}/time", headers=clerk,
                               json={"minutes": 10, "worked_on": day})
        assert response.status_code == 400, day
    payment = {"amount": "5.00", "kind": "deposit", "method": "card", "received_at": PAID_AT}
    for request_id in closed.values():
        response = client.post(fees_url(request_id, "/payments"), headers=clerk, json=payment)
        assert response.status_code == 409 and response.json()["code"] == "request_finished"
    for bad in ({"amount": "0"}, {"amount": "-5"}, {"amount": "1.001"}, {"amount": "NaN"},
                {"method": "barter"}, {"received_at": "2026-12-01T17:00:00"},
                {"received_at": "2999-01-01T00:00:00Z"}, {"received_at": "2026-11-01T00:00:00Z"},
                {"received_at": "0001-01-01T00:00:00+05:00"}):
        response = client.post(fees_url(open_id, "/payments"), headers=clerk,
                               json={**payment, **bad})
        assert response.status_code in (400, 422), bad
        assert response.headers["content-type"] == "application/problem+json"
    unknown = client.post(fees_url(uuid.uuid4(), "/invoices"), headers=clerk, json={})
    assert unknown.status_code == 404
    assert audit_count(database) == before
    assert client.get(fees_url(open_id), headers=clerk).json()["payments"] == []


def test_roles_clerks_manage_attorneys_and_auditors_read(
    client: TestClient, clerk: Headers, attorney: Headers, auditor: Headers,
    database: Database,
) -> None:
    request_id = make_request(database)
    log(client, clerk, request_id, 61)
    for headers in (attorney, auditor):
        assert client.get(fees_url(request_id), headers=headers).status_code == 200
        assert client.get(f"/api/v1/requests/{request_id}/time",
                          headers=headers).json()["total"] == 1
        assert client.get("/api/v1/fee-schedules", headers=headers).status_code == 200
        for path, body in ((fees_url(request_id, "/invoices"), {}),
                           (f"/api/v1/requests/{request_id}/time",
                            {"minutes": 5, "worked_on": "2026-12-01"})):
            assert client.post(path, headers=headers, json=body).status_code == 403
    assert client.get(fees_url(request_id)).status_code == 401


def test_admins_edit_the_schedules_and_the_rate_in_effect_is_the_days(
    settings: Settings, database: Database, make_user: MakeUser,
) -> None:
    admin, clerk_user = make_user(Role.admin), make_user(Role.clerk)
    # On 15 January 2020 the 2019 rate ($33.58) is in effect.
    with TestClient(create_app(settings, FrozenClock(datetime(2020, 1, 15, 18, tzinfo=UTC)))) as client:
        def headers(user: object) -> Headers:
            token = client.post("/api/v1/auth/token", data={
                "username": user.username, "password": TEST_PASSWORD})  # type: ignore[attr-defined]
            return {"Authorization": f"Bearer {token.json()['access_token']}"}

        clerk, boss = headers(clerk_user), headers(admin)
        schedules = client.get("/api/v1/fee-schedules", headers=clerk).json()["items"]
        assert [(s["effective_from"], s["hourly_rate"]) for s in schedules] == [
            ("2024-07-01", "41.37"), ("2019-07-01", "33.58"), ("2014-07-01", "30.00")]
        assert {(s["free_minutes"], s["per_page"], s["electronic_delivery"],
                 s["minutes_per_document"], s["billing_increment_minutes"])
                for s in schedules} == {(60, "0.25", "0.00", 2, 1)}
        request_id = make_request(database, received_at=datetime(2020, 1, 10, tzinfo=UTC))
        response = client.post(f"/api/v1/requests/{request_id}/time", headers=clerk,
                               json={"minutes": 120, "worked_on": "2020-01-14"})
        assert response.status_code == 201, response.text
        assert invoice(client, clerk, request_id)["amount"] == "33.58"

        before = audit_count(database)
        assert client.patch(f"/api/v1/fee-schedules/{schedules[1]['id']}", headers=clerk,
                            json={"billing_increment_minutes": 15}).status_code == 403
        for bad in ({"hourly_rate": "-1"}, {"hourly_rate": 41.3712},
                    {"billing_increment_minutes": 0}, {"free_minutes": -60}):
            refused = client.patch(f"/api/v1/fee-schedules/{schedules[1]['id']}",
                                   headers=boss, json=bad)
            assert refused.status_code == 422, bad
        assert audit_count(database) == before
        edited = client.patch(f"/api/v1/fee-schedules/{schedules[1]['id']}", headers=boss,
                              json={"billing_increment_minutes": 15})
        assert edited.status_code == 200 and edited.json()["billing_increment_minutes"] == 15
        entry = last_audit(database)
        assert entry.action == "fee_schedule.update"
        assert entry.details["before"]["billing_increment_minutes"] == 1
        response = client.post(f"/api/v1/requests/{request_id}/time", headers=clerk,
                               json={"minutes": 1, "worked_on": "2020-01-14"})
        # 121 minutes: 61 billable, now rounded up to 75 at the 2019 rate ($41.975)
        second = invoice(client, clerk, request_id)
        assert (second["amount"], second["number"]) == ("41.97", 2)
        summary = client.get(fees_url(request_id), headers=clerk).json()
        assert summary["invoice"]["id"] == second["id"] and summary["due"] == "41.97"
        duplicate = client.post("/api/v1/fee-schedules", headers=boss, json={
            "effective_from": "2019-07-01", "hourly_rate": "33.58", "per_page": "0.25"})
        assert duplicate.status_code == 409
        created = client.post("/api/v1/fee-schedules", headers=boss, json={
            "effective_from": "2029-07-01", "hourly_rate": "45.10", "per_page": "0.25"})
        assert created.status_code == 201 and last_audit(database).action == "fee_schedule.create"
