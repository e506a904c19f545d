"""The clerk's request pages over plain HTTP: intake, the list, the case file's rules (roles,
stale versions, bad input), each refusal shown on the page and changing nothing."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.core.clock import FrozenClock
from app.core.db import Database
from app.models import Role, User
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, actions, signed_in

pytestmark = EMBEDDED






INTAKE = {"requester_name": "Pat Caller", "requester_email": "pat@example.org",
          "requester_organization": "", "requester_contact": "555-0100", "category": "general",
          "channel": "phone", "description": "Snow route e-mails, January", "departments":
          "Public Works, Finance", "received_at": "2026-03-02T08:30"}


def take_in(api: TestClient, token: str, **changes: str) -> str:
    """A request entered through the intake form; its id."""
    answer = api.post("/requests", data={**INTAKE, **changes, "csrf_token": token},
                      follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].rsplit("/", 1)[1]


def version_of(html: str) -> str:
    return html.split('name="version" value="')[1].split('"')[0]


@pytest.fixture
def clerk(make_user: MakeUser) -> User:
    return make_user(Role.clerk)


def test_intake_opens_the_case_file_and_the_list_shows_it(api: TestClient, clerk: User,
                                                          database: Database) -> None:
    token = signed_in(api, clerk)
    form = api.get("/requests/new")
    assert 'value="phone" selected' in form.text and 'value="2026-03-02T09:00"' in form.text
    request_id = take_in(api, token)
    case = api.get(f"/requests/{request_id}")
    assert case.status_code == 200
    assert "Request 2026-0001" in case.text and "is taken in" in case.text
    assert "Public Works, Finance" in case.text and "phone" in case.text
    assert "day of receipt, not counted" in case.text  # the clock's explanation
    assert actions(database)[-1] == "request.create"
    listed = api.get("/requests?status=received")
    assert f'href="/requests/{request_id}"' in listed.text and "Pat Caller" in listed.text
    assert "2026-03-02 08:30" in listed.text  # received, on Denver's clocks
    assert "2026-0001" not in api.get("/requests?status=closed").text
    assert "2026-0001" not in api.get("/requests?overdue=true").text


@pytest.mark.parametrize(("changes", "says"), [
    ({"requester_name": ""}, "requester_name"),
    ({"category": "royalty"}, "category"),
    ({"received_at": "next tuesday"}, "received at: write a date and time"),
    ({"received_at": "2026-03-09T09:00"}, "is in the future"),
    ({"requester_email": "not an address"}, ""),
])
def test_bad_intake_keeps_the_input_and_takes_in_nothing(
        api: TestClient, clerk: User, database: Database, changes: dict[str, str],
        says: str) -> None:
    token = signed_in(api, clerk)
    before = actions(database)
    answer = api.post("/requests", data={**INTAKE, **changes, "csrf_token": token})
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text and says in answer.text
    assert "Snow route e-mails, January" in answer.text  # what the clerk typed is kept
    assert actions(database) == before


def test_an_auditor_reads_the_case_file_but_may_not_change_it(
        api: TestClient, clerk: User, make_user: MakeUser, database: Database) -> None:
    request_id = take_in(api, signed_in(api, clerk))
    version = version_of(api.get(f"/requests/{request_id}").text)
    api.cookies.clear()
    token = signed_in(api, make_user(Role.auditor))
    case = api.get(f"/requests/{request_id}")
    assert case.status_code == 200 and "Request 2026-0001" in case.text
    assert "/transitions" not in case.text and "Make a new link" not in case.text
    assert api.get("/requests/new").status_code == 403
    before = actions(database)
    for path, data in ((f"/requests/{request_id}/transitions",
                        {"to": "in_progress", "reason": "x", "version": version}),
                       (f"/requests/{request_id}/fees/payments", {"amount": "1.00"}),
                       (f"/requests/{request_id}/links", {})):
        answer = api.post(path, data={**data, "csrf_token": token})
        assert answer.status_code == 403, path
        assert "This action needs one of these roles: clerk, admin." in answer.text
    assert actions(database) == before


def test_status_changes_refuse_unknown_statuses_and_stale_versions(
        api: TestClient, clerk: User, database: Database) -> None:
    token = signed_in(api, clerk)
    request_id = take_in(api, token)
    path = f"/requests/{request_id}/transitions"
    version = version_of(api.get(f"/requests/{request_id}").text)
    before = actions(database)
    unknown = api.post(path, data={"to": "lost", "reason": "because", "version": version,
                                   "csrf_token": token})
    assert unknown.status_code == 400 and "to: Input should be" in unknown.text
    assert 'value="because"' in unknown.text  # the reason is kept beside the refusal
    not_allowed = api.post(path, data={"to": "closed", "reason": "done", "version": version,
                                       "csrf_token": token})
    assert not_allowed.status_code == 409 and "cannot become closed" in not_allowed.text
    garbled = api.post(path, data={"to": "in_progress", "reason": "x", "version": "one",
                                   "csrf_token": token})
    assert garbled.status_code == 400 and "version: write a whole number" in garbled.text
    assert actions(database) == before
    moved = api.post(path, data={"to": "in_progress", "reason": "started", "version": version,
                                 "csrf_token": token})
    assert moved.status_code == 200 and "is now in_progress" in moved.text
    assert actions(database)[-1] == "request.transition"
    middle = actions(database)
    stale = api.post(path, data={"to": "fulfilled", "reason": "sent", "version": version,
                                 "csrf_token": token})
    assert stale.status_code == 409 and "has changed since you read it" in stale.text
    assert actions(database) == middle
    assert "in progress" in api.get(f"/requests/{request_id}").text


@pytest.mark.parametrize("amount", ["abc", "-5", "12.345", "0", "1e9", "NaN"])
def test_a_bad_amount_records_no_payment(api: TestClient, clerk: User, database: Database,
                                         amount: str) -> None:
    token = signed_in(api, clerk)
    request_id = take_in(api, token)
    before = actions(database)
    answer = api.post(f"/requests/{request_id}/fees/payments", data={
        "amount": amount, "kind": "payment", "method": "check",
        "received_at": "2026-03-02T08:45", "csrf_token": token})
    assert answer.status_code == 400
    assert re.search(r'id="payment-error">[^<]*amount', answer.text), answer.text[-3000:]
    assert f'value="{amount}"' in answer.text
    assert actions(database) == before


def test_more_than_is_due_and_bad_minutes_are_refused(api: TestClient, clerk: User,
                                                      database: Database) -> None:
    token = signed_in(api, clerk)
    request_id = take_in(api, token)
    before = actions(database)
    over = api.post(f"/requests/{request_id}/fees/payments", data={
        "amount": "5.00", "kind": "payment", "method": "cash",
        "received_at": "2026-03-02T08:45", "csrf_token": token})
    assert over.status_code == 400 and "Only $0.00 is due" in over.text
    for minutes in ("", "ninety", "-3", "0"):
        answer = api.post(f"/requests/{request_id}/time", data={
            "minutes": minutes, "worked_on": "2026-03-02", "csrf_token": token})
        assert answer.status_code == 400, minutes
    assert actions(database) == before


def test_bad_ids_answer_a_clear_page(api: TestClient, clerk: User, database: Database) -> None:
    token = signed_in(api, clerk)
    request_id = take_in(api, token)
    assert api.get("/requests/not-an-id").status_code == 400
    missing = api.get(f"/requests/{uuid.uuid4()}")
    assert missing.status_code == 404 and "No records request with that id." in missing.text
    before = actions(database)
    answer = api.post(f"/requests/{request_id}/review-set/remove",
                      data={"document_ids": ["1; DROP TABLE"], "csrf_token": token})
    assert answer.status_code == 400 and "is not an id" in answer.text
    nothing = api.post(f"/requests/{request_id}/review-set/tags",
                       data={"tag": "responsive", "csrf_token": token})
    assert nothing.status_code == 400 and "Tick the documents first" in nothing.text
    unknown = api.post(f"/requests/{request_id}/links/{uuid.uuid4()}/revoke",
                       data={"csrf_token": token})
    assert unknown.status_code == 404 and "No link with that id" in unknown.text
    pdf = api.get(f"/requests/{request_id}/letters/{uuid.uuid4()}.pdf")
    assert pdf.status_code == 404
    assert actions(database) == before


def test_a_link_token_is_shown_once_and_revoked(api: TestClient, clerk: User,
                                                database: Database) -> None:
    token = signed_in(api, clerk)
    request_id = take_in(api, token)
    made = api.post(f"/requests/{request_id}/links", data={"csrf_token": token})
    assert made.status_code == 201
    secret = made.text.split("/portal/track/")[1].split('"')[0]
    assert api.get(f"/api/v1/portal/{secret}").status_code == 200
    case = api.get(f"/requests/{request_id}")
    assert secret not in case.text and "live" in case.text
    link_id = case.text.split("/links/")[1].split("/revoke")[0]
    revoked = api.post(f"/requests/{request_id}/links/{link_id}/revoke",
                       data={"csrf_token": token})
    assert revoked.status_code == 200 and "The link is revoked" in revoked.text
    assert api.get(f"/api/v1/portal/{secret}").status_code == 404
    again = api.post(f"/requests/{request_id}/links/{link_id}/revoke",
                     data={"csrf_token": token})
    assert again.status_code == 409 and "already been revoked" in again.text
    assert actions(database).count("request_link.revoke") == 1


def test_the_list_flags_due_soon_and_overdue_on_the_clocks_today(
        api: TestClient, clerk: User, clock: FrozenClock) -> None:
    token = signed_in(api, clerk)
    take_in(api, token)  # Monday 2 March, 08:30: due Thursday 5 March
    first = api.get("/requests").text
    assert "2026-03-05" in first and "<td>3</td>" in first and 'class="badge' not in first
    clock.set(datetime(2026, 3, 4, 16, 0, tzinfo=UTC))  # Wednesday: due the next working day
    signed_in(api, clerk)  # the session idled out meanwhile
    soon = api.get("/requests?due_soon=true").text
    assert "2026-0001" in soon and '<span class="badge due-soon">Due soon</span>' in soon
    assert "2026-0001" not in api.get("/requests?overdue=true").text
    clock.set(datetime(2026, 3, 9, 16, 0, tzinfo=UTC))  # the next Monday
    signed_in(api, clerk)
    late = api.get("/requests?overdue=true").text
    assert "2026-0001" in late and '<span class="badge overdue">Overdue</span>' in late
    assert re.search(r"<td>-2\s", late)  # Friday and Monday past the Thursday
    assert "2026-0001" not in api.get("/requests?mine=true").text  # assigned to nobody
    assert api.get("/requests?status=lost").status_code == 400
