"""The admin pages for the clock's data: the calendar (holidays, closures that retime
running requests) and the rule sets; roles, bad input, nothing changed when refused."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from app.core.db import Database
from app.models import Role, User
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, accessible, actions, screenshot, signed_in
from tests.ui.settings_kit import audited, post

pytestmark = EMBEDDED
PAGES = ["/admin/calendar", "/admin/rule-sets", "/admin/fee-schedules", "/admin/citations"]


@pytest.mark.parametrize("path", PAGES)
def test_a_clerk_is_refused_as_the_api_refuses(api: TestClient, make_user: MakeUser,
                                               path: str) -> None:
    signed_in(api, make_user(Role.clerk))
    answer = api.get(path)
    assert answer.status_code == 403
    assert "This action needs one of these roles: admin." in answer.text
    refused = post(api, path if path != "/admin/calendar" else "/admin/calendar/closures", {})
    assert refused.status_code == 403


def test_holidays_of_a_chosen_year_with_observed_dates(api: TestClient,
                                                       make_user: MakeUser) -> None:
    signed_in(api, make_user(Role.admin))
    page = api.get("/admin/calendar?year=2027")
    assert page.status_code == 200
    assert "Christmas Day" in page.text
    assert "Fri 2027-12-24" in page.text  # Christmas 2027 is a Saturday: observed Friday
    for bad in ("1999", "x", "2027.5"):
        assert api.get(f"/admin/calendar?year={bad}").status_code == 400


def test_closures_added_and_removed_retime_and_are_audited(
        api: TestClient, make_user: MakeUser, database: Database,
        login: Callable[[User], dict[str, str]]) -> None:
    admin = make_user(Role.admin)
    running = api.post("/api/v1/requests", headers=login(admin), json={
        "requester_name": "Alex", "category": "general", "description": "Snow routes",
        "channel": "email"}).json()
    assert running["due_date"] == "2026-03-05"  # received Monday 2 March: 3 working days
    signed_in(api, admin)
    answer = post(api, "/admin/calendar/closures", {"day": "2026-03-04", "name": "Snow day"})
    assert answer.status_code == 303
    page = api.get(answer.headers["location"])
    assert "The city is closed on 2026-03-04 (Snow day)." in page.text
    assert (f"Due dates moved on 1 running request: {running['number']} "
            "(2026-03-05 → 2026-03-06).") in page.text
    assert actions(database)[-2:] == ["city_closure.add", "request.retime"]
    closure_id = re.search(r"/admin/calendar/closures/([0-9a-f-]{36})/remove", page.text)
    assert closure_id is not None
    again = post(api, "/admin/calendar/closures", {"day": "2026-03-04", "name": "Twice"})
    assert again.status_code == 409 and "already closed on 2026-03-04" in again.text
    assert 'value="Twice"' in again.text  # the person's input is kept
    removed = post(api, f"/admin/calendar/closures/{closure_id.group(1)}/remove", {})
    assert removed.status_code == 303
    assert actions(database)[-2:] == ["city_closure.remove", "request.retime"]
    assert "(2026-03-06 → 2026-03-05)" in api.get(removed.headers["location"]).text
    assert "The city has no closures of its own." in api.get("/admin/calendar?year=2026").text


@pytest.mark.parametrize(("data", "says"), [
    ({"day": "2026-02-30", "name": "No such day"}, "day"),
    ({"day": "20260304", "name": "A number"}, "ISO 8601"),
    ({"day": "2026-03-04", "name": ""}, "name"),
    ({"day": "2026-03-04", "name": "x" * 201}, "name"),
    ({"day": "2026-03-04", "name": "nul\x00"}, "NUL"),
])
def test_bad_closures_are_refused_and_change_nothing(
        api: TestClient, make_user: MakeUser, database: Database, data: dict[str, str],
        says: str) -> None:
    signed_in(api, make_user(Role.admin))
    before = audited(database)
    answer = post(api, "/admin/calendar/closures", data)
    assert answer.status_code == 400 and says in answer.text
    assert audited(database) == before


@pytest.mark.parametrize("bad", ["not-an-id", "00000000-0000-0000-0000-000000000000"])
def test_removing_an_unknown_closure_changes_nothing(api: TestClient, make_user: MakeUser,
                                                     database: Database, bad: str) -> None:
    signed_in(api, make_user(Role.admin))
    before = audited(database)
    answer = post(api, f"/admin/calendar/closures/{bad}/remove", {})
    assert answer.status_code == 404 and "No city closure with that id." in answer.text
    assert audited(database) == before


RULES = {"response_days": "5", "extension_days": "10", "delivery_days": "3",
         "citation": "SB25-077", "note": "", "business_hours_cutoff": "17:00",
         "news_media_response_days": "2"}


def test_a_future_rule_set_is_added_through_the_service(api: TestClient, make_user: MakeUser,
                                                        database: Database) -> None:
    signed_in(api, make_user(Role.admin))
    answer = post(api, "/admin/rule-sets", {**RULES, "effective_from": "2027-01-04",
                                            "receipt_day_counts": "yes"})
    assert answer.status_code == 303, answer.text
    page = api.get("/admin/rule-sets")
    assert "The rule set from 2027-01-04 is added" in page.text and "SB25-077" in page.text
    assert "news media: 2 / —" in page.text
    [entry] = [e for e in actions(database) if e == "clock_rule_set.create"]
    assert entry


@pytest.mark.parametrize(("changes", "says", "beside"), [
    ({"effective_from": "2026-03-02"}, "must take effect after today (2026-03-02)", True),
    ({"effective_from": "2026-01-01"}, "must take effect after today", True),
    ({"effective_from": ""}, "effective_from", True),
    ({"effective_from": "2027-01-04", "response_days": "0"}, "response_days", True),
    ({"effective_from": "2027-01-04", "response_days": "five"}, "response_days", True),
    ({"effective_from": "2027-01-04", "news_media_response_days": "99"}, "category_overrides",
     False),
    ({"effective_from": "2027-01-04", "business_hours_cutoff": "25:00"},
     "business_hours_cutoff", True),
])
def test_bad_rule_sets_are_refused_beside_the_input(
        api: TestClient, make_user: MakeUser, database: Database, changes: dict[str, str],
        says: str, beside: bool) -> None:
    signed_in(api, make_user(Role.admin))
    before = audited(database)
    answer = post(api, "/admin/rule-sets", {**RULES, **changes})
    assert answer.status_code == 400 and says in answer.text
    assert audited(database) == before
    if beside:
        field = next(iter(changes)) if "response_days" not in changes else "response_days"
        field = "business_hours_cutoff" if "business_hours_cutoff" in changes else field
        assert f'id="{field}-error"' in answer.text
        assert f'aria-describedby="{field}-error' in answer.text
    assert 'value="SB25-077"' in answer.text  # the input is kept


def test_calendar_and_rule_sets_in_a_browser(page: Page, live_server: str, make_user: MakeUser,
                                             sign_in: Callable[[User], Page],
                                             database: Database) -> None:
    sign_in(make_user(Role.admin))
    page.goto(f"{live_server}/admin/calendar?year=2027")
    expect(page.get_by_role("heading", name="Calendar 2027")).to_be_visible()
    accessible(page)
    page.get_by_label("Date").fill("2027-03-15")
    page.get_by_label("Reason").fill("Flood clean-up")
    page.get_by_role("button", name="Add the closure").click()
    expect(page.get_by_role("status")).to_contain_text("The city is closed on 2027-03-15")
    expect(page.get_by_role("cell", name="Flood clean-up")).to_be_visible()
    accessible(page)
    page.goto(f"{live_server}/admin/rule-sets")
    page.get_by_label("In effect from").fill("2020-01-01")
    page.get_by_role("button", name="Add the rule set").click()
    expect(page.locator("#effective_from-error")).to_contain_text("must take effect after today")
    accessible(page)
    screenshot(page, "admin-rule-set-refused")
    assert actions(database).count("city_closure.add") == 1
