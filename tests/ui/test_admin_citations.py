"""The fee-schedule and citation pages: added and edited through their services (audited),
bad input refused beside what was typed, nothing changed; a citation retired by date."""

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
RATES = {"hourly_rate": "41.37", "free_minutes": "60", "billing_increment_minutes": "15",
         "per_page": "0.25", "electronic_delivery": "0.00", "minutes_per_document": "2",
         "citation": "C.R.S. 24-72-205", "note": ""}


def test_a_fee_schedule_is_added_and_edited(api: TestClient, make_user: MakeUser,
                                            database: Database) -> None:
    signed_in(api, make_user(Role.admin))
    added = post(api, "/admin/fee-schedules", {**RATES, "effective_from": "2027-07-01"})
    assert added.status_code == 303, added.text
    page = api.get("/admin/fee-schedules")
    assert "The fee schedule from 2027-07-01 is added." in page.text
    assert actions(database)[-1] == "fee_schedule.create"
    ids = re.findall(r'href="/admin/fee-schedules/([0-9a-f-]{36})"', page.text)
    newest = ids[0]  # newest first
    edited = post(api, f"/admin/fee-schedules/{newest}", {**RATES, "hourly_rate": "45.00"})
    assert edited.status_code == 303
    assert "$45.00" in api.get("/admin/fee-schedules").text
    assert actions(database)[-1] == "fee_schedule.update"


@pytest.mark.parametrize(("changes", "says", "status"), [
    ({"effective_from": "2027-13-01"}, "effective_from", 400),
    ({"effective_from": ""}, "effective_from", 400),
    ({"effective_from": "2027-07-01", "hourly_rate": "-1"}, "hourly_rate", 400),
    ({"effective_from": "2027-07-01", "hourly_rate": "1.234"}, "hourly_rate", 400),
    ({"effective_from": "2027-07-01", "hourly_rate": "NaN"}, "hourly_rate", 400),
    ({"effective_from": "2027-07-01", "free_minutes": "ten"}, "free_minutes", 400),
    ({"effective_from": "2027-07-01", "billing_increment_minutes": "0"},
     "billing_increment_minutes", 400),
])
def test_bad_fee_schedules_are_refused_and_change_nothing(
        api: TestClient, make_user: MakeUser, database: Database, changes: dict[str, str],
        says: str, status: int) -> None:
    signed_in(api, make_user(Role.admin))
    before = audited(database)
    answer = post(api, "/admin/fee-schedules", {**RATES, **changes})
    assert answer.status_code == status and says in answer.text
    assert 'value="C.R.S. 24-72-205"' in answer.text
    assert audited(database) == before


def test_a_fee_schedule_day_taken_and_bad_ids(api: TestClient, make_user: MakeUser,
                                              database: Database) -> None:
    signed_in(api, make_user(Role.admin))
    assert post(api, "/admin/fee-schedules", {**RATES, "effective_from": "2027-07-01"}
                ).status_code == 303
    before = audited(database)
    again = post(api, "/admin/fee-schedules", {**RATES, "effective_from": "2027-07-01"})
    assert again.status_code == 409 and "already: edit it instead" in again.text
    for bad in ("nope", "00000000-0000-0000-0000-000000000000"):
        assert api.get(f"/admin/fee-schedules/{bad}").status_code == 404
        answer = post(api, f"/admin/fee-schedules/{bad}", RATES)
        assert answer.status_code == 404 and "No fee schedule with that id." in answer.text
    assert audited(database) == before


CITATION = {"code": "24-72-204(3)(a)(XX)", "title": "Sample ground", "kind": "discretionary",
            "note": "", "effective_from": "2026-01-01"}


def citation_id(api: TestClient, code: str) -> str:
    found = re.search(rf'href="/admin/citations/([0-9a-f-]{{36}})">{re.escape(code)}<',
                      api.get("/admin/citations").text)
    assert found is not None
    return found.group(1)


def test_a_citation_is_added_reworded_retired_and_brought_back(
        api: TestClient, make_user: MakeUser, database: Database) -> None:
    signed_in(api, make_user(Role.admin))
    assert post(api, "/admin/citations", CITATION).status_code == 303
    assert actions(database)[-1] == "citation.create"
    found = citation_id(api, CITATION["code"])
    reworded = post(api, f"/admin/citations/{found}", {**CITATION, "title": "Better wording",
                                                       "action": "save"})
    assert reworded.status_code == 303 and actions(database)[-1] == "citation.update"
    retired = post(api, f"/admin/citations/{found}", {"retired_on": "2026-03-01",
                                                      "action": "retire"})
    assert retired.status_code == 303 and actions(database)[-1] == "citation.retire"
    page = api.get(retired.headers["location"])
    assert "is retired from 2026-03-01" in page.text and "not in force" in page.text
    back = post(api, f"/admin/citations/{found}", {"action": "restore"})
    assert back.status_code == 303 and "in force" in api.get(back.headers["location"]).text
    assert actions(database)[-1] == "citation.update"


@pytest.mark.parametrize(("changes", "says", "status"), [
    ({"code": "24-72<script>"}, "code", 400),
    ({"code": ""}, "code", 400),
    ({"kind": "optional"}, "kind", 400),
    ({"effective_from": "yesterday"}, "effective_from", 400),
    ({"retired_on": "2025-12-31"}, "must be retired after the day it takes effect", 400),
    ({"title": "x" * 2001}, "title", 400),
])
def test_bad_citations_are_refused_and_change_nothing(
        api: TestClient, make_user: MakeUser, database: Database, changes: dict[str, str],
        says: str, status: int) -> None:
    signed_in(api, make_user(Role.admin))
    before = audited(database)
    answer = post(api, "/admin/citations", {**CITATION, **changes})
    assert answer.status_code == status and says in answer.text
    assert audited(database) == before


def test_bad_retirements_and_ids_change_nothing(api: TestClient, make_user: MakeUser,
                                                database: Database) -> None:
    signed_in(api, make_user(Role.admin))
    assert post(api, "/admin/citations", CITATION).status_code == 303
    found = citation_id(api, CITATION["code"])
    before = audited(database)
    for data, says in (({"action": "retire", "retired_on": ""}, "Give the day"),
                       ({"action": "retire", "retired_on": "2025-06-01"}, "retired after"),
                       ({"action": "retire", "retired_on": "2026-02-31"}, "retired_on"),
                       ({"action": "save", "kind": "optional"}, "kind")):
        answer = post(api, f"/admin/citations/{found}", data)
        assert answer.status_code == 400 and says in answer.text, data
        if data["action"] == "retire":  # the wording form still shows the citation's
            assert "Sample ground</textarea>" in answer.text
    for bad in ("nope", "00000000-0000-0000-0000-000000000000"):
        answer = post(api, f"/admin/citations/{bad}", {"action": "restore"})
        assert answer.status_code == 404 and "No citation with that id." in answer.text
    assert audited(database) == before


def test_fees_and_citations_in_a_browser(page: Page, live_server: str, make_user: MakeUser,
                                         sign_in: Callable[[User], Page],
                                         database: Database) -> None:
    sign_in(make_user(Role.admin))
    page.goto(f"{live_server}/admin/fee-schedules")
    expect(page.get_by_role("heading", name="Fee schedules")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name=re.compile("^Edit")).first.click()
    accessible(page)
    page.goto(f"{live_server}/admin/citations")
    accessible(page)
    page.get_by_label("Code").fill("24-72-204(2)(a)(XX)")
    page.get_by_label("Wording").fill("A ground for the browser test")
    page.get_by_label("Kind").select_option("discretionary")
    page.get_by_label("In force from").fill("2026-01-01")
    page.get_by_role("button", name="Add the citation").click()
    expect(page.get_by_role("status")).to_contain_text("Citation 24-72-204(2)(a)(XX) is added.")
    accessible(page)
    page.get_by_role("link", name="24-72-204(2)(a)(XX)").click()
    page.get_by_label("Cited no more from").fill("2026-06-01")
    page.get_by_role("button", name="Retire the citation").click()
    expect(page.get_by_role("status")).to_contain_text("is retired from 2026-06-01")
    accessible(page)
    screenshot(page, "admin-citation-retired")
    assert actions(database)[-2:] == ["citation.create", "citation.retire"]
