"""The portal's other pages in a browser: the admin's public texts, a form with mistakes,
and an unknown link, each checked with axe-core."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from app.core.db import Database
from app.models import Role, User
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, accessible, actions, screenshot

pytestmark = EMBEDDED


def test_an_admin_edits_what_the_portal_publishes(
        page: Page, live_server: str, database: Database, make_user: MakeUser,
        sign_in: Callable[[User], Page]) -> None:
    sign_in(make_user(Role.admin))
    page.goto(f"{live_server}/admin/public-texts")
    expect(page.get_by_role("heading", name="Public texts")).to_be_visible()
    accessible(page)
    page.get_by_label("Fee schedule (English)").fill("Copies are free.\n\n<b>No</b> research fee.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved: 1 changed text(s).")
    accessible(page)
    assert actions(database).count("public_text.update") == 1

    page.goto(f"{live_server}/portal")
    fees = page.locator("section", has=page.get_by_role("heading", name="Fee schedule"))
    expect(fees.locator("p")).to_have_text(["Copies are free.", "<b>No</b> research fee."])
    accessible(page)
    screenshot(page, "portal-public-texts")


def test_mistakes_and_unknown_links_are_explained(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/portal/requests/new")
    page.get_by_label("Your name").fill("Sam")
    page.get_by_label("E-mail address (optional)").fill("sam at example")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below")
    expect(page.get_by_label("E-mail address (optional)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Your name")).to_have_value("Sam")
    expect(page.locator("#description-error")).to_have_text("Please fill in this field.")
    accessible(page)

    page.goto(f"{live_server}/portal/track/{'n' * 43}")
    expect(page.get_by_role("alert")).to_have_text("No such link.")
    accessible(page)
