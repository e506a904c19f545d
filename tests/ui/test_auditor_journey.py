"""An auditor's journey in a real browser: sign in, open the audit trail, filter it, verify
it from the page and see it intact with the count, then find that verification in the trail."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from app.core.db import Database
from app.models import Role, User
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, accessible, screenshot, trail

pytestmark = EMBEDDED


def test_an_auditor_filters_and_verifies_the_trail(
        page: Page, live_server: str, make_user: MakeUser, database: Database,
        sign_in: Callable[[User], Page], foreign_requests: list[str]) -> None:
    make_user(Role.clerk, username="mdelgado")
    make_user(Role.attorney, username="praman")
    auditor = make_user(Role.auditor, username="kowens")
    sign_in(auditor)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    accessible(page)

    page.get_by_label("Action").fill("user.create")
    page.get_by_label("Who (username)").fill("test-runner")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("3 entries: showing 1–3.")).to_be_visible()
    rows = page.locator("table.trail tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("kowens")  # newest first: the last user made
    expect(rows.last).to_contain_text("mdelgado")
    assert "sign-in" not in page.locator("table.trail").inner_text()
    accessible(page)

    before = len(trail(database))
    page.get_by_role("button", name="Verify the trail").click()
    verdict = page.locator("#verdict-result")
    expect(verdict).to_contain_text(f"The trail is intact: {before} entries verified")
    assert "action=user.create" in page.url  # the verdict came in place: the filter stays
    accessible(page)
    recorded = trail(database)[-1]
    assert (recorded.action, recorded.actor) == ("audit.verify", "kowens")
    assert recorded.details["intact"] is True and recorded.details["entries_checked"] == before

    page.get_by_role("link", name="See verifications in the trail").click()
    expect(page.get_by_text("1 entry: showing 1–1.")).to_be_visible()
    entry = page.locator("table.trail tbody tr").first
    expect(entry).to_contain_text("audit.verify")
    expect(entry).to_contain_text("kowens")
    expect(entry).to_contain_text(f"{before}")
    accessible(page)
    screenshot(page, "auditor-journey")
    assert foreign_requests == []
