"""Every admin page of this area in a real browser, as an administrator uses it: each form
sent, each answer page checked with axe-core, and the trail holding each change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from app.core.db import Database
from app.models import Role, User
from tests.conftest import TEST_PASSWORD, MakeUser
from tests.ui.conftest import EMBEDDED, accessible, actions, screenshot

pytestmark = EMBEDDED


def open_section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    accessible(page)


def test_an_administrator_uses_each_admin_page(
        page: Page, live_server: str, make_user: MakeUser, database: Database,
        sign_in: Callable[[User], Page], tmp_path: Path, foreign_requests: list[str]) -> None:
    admin = make_user(Role.admin, username="admin1")
    sign_in(admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    accessible(page)

    open_section(page, "Users")
    page.get_by_label("Username").fill("jnakamura")
    page.get_by_label("Full name").fill("June Nakamura")
    page.get_by_label("clerk").check()
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_role("button", name="Create the user").click()
    expect(page.get_by_text("User jnakamura created.")).to_be_visible()
    page.get_by_label("Username").fill("jnakamura")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("clerk").check()
    page.get_by_role("button", name="Create the user").click()
    expect(page.get_by_role("alert")).to_contain_text("already exists")
    accessible(page)

    open_section(page, "API tokens")
    page.get_by_label("Name (the system that will use it)").fill("records-scanner")
    page.get_by_label("For the user").fill("jnakamura")
    page.get_by_role("button", name="Issue the token").click()
    expect(page.get_by_role("heading", name="API token issued")).to_be_visible()
    secret = page.get_by_label("Secret").input_value()
    assert secret.startswith("cus_")
    accessible(page)
    page.get_by_role("link", name="Back to API tokens").click()
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke records-scanner").click()
    expect(page.get_by_text("The API token records-scanner is revoked.")).to_be_visible()

    for _ in range(5):
        page.request.post(f"{live_server}/api/v1/auth/token",
                          form={"username": "jnakamura", "password": "wrong"})
    open_section(page, "Sign-in lock-outs")
    page.get_by_role("button", name="Lift the lock-out of jnakamura").click()
    expect(page.get_by_text("The lock-out of jnakamura is lifted.")).to_be_visible()
    accessible(page)

    folder = tmp_path / "council-mail"
    folder.mkdir()
    open_section(page, "Ingest folders")
    page.get_by_label("Name", exact=True).fill("council")
    page.get_by_label("Path on the server").fill("/etc")
    page.get_by_role("button", name="Add the folder").click()
    expect(page.get_by_role("alert")).to_contain_text("system folder")
    accessible(page)
    page.get_by_label("Path on the server").fill(str(folder))
    page.get_by_role("button", name="Add the folder").click()
    expect(page.get_by_text("Clerks may now ingest from council.")).to_be_visible()
    expect(page.get_by_role("cell", name=str(folder))).to_be_visible()

    open_section(page, "Mail connections")
    page.get_by_label("Name", exact=True).fill("city-imap")
    page.get_by_label("Mail server (IMAP)").fill("mail.city.example")
    page.get_by_label("Account username").fill("records@city.example")
    page.get_by_label("Account password").fill("Imap-Secret-4417-zebra")
    page.get_by_role("button", name="Add the connection").click()
    expect(page.get_by_text("The mail connection city-imap is set up")).to_be_visible()
    assert "Imap-Secret-4417-zebra" not in page.content()
    accessible(page)

    open_section(page, "Retention")
    page.get_by_label("Record class").fill("transitory")
    page.get_by_label("Days kept").fill("30")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.get_by_text("The class transitory is kept for 30 days.")).to_be_visible()
    signed = page.request.post(f"{live_server}/api/v1/auth/token",
                               form={"username": admin.username, "password": TEST_PASSWORD})
    ran = page.request.post(f"{live_server}/api/v1/retention/runs", data={"dry_run": True},
                            headers={"Authorization": f"Bearer {signed.json()['access_token']}"})
    assert ran.status == 201, ran.text()
    page.reload()
    accessible(page)
    page.get_by_role("link", name="Certificate").first.click()
    expect(page.get_by_role("heading", name="Purge certificate")).to_be_visible()
    expect(page.get_by_text("Custodia purge certificate")).to_be_visible()
    accessible(page)
    screenshot(page, "admin-pages")

    done = actions(database)
    for action in ("user.create", "api_token.create", "api_token.revoke", "auth.lockout_lift",
                   "ingest.root_create", "ingest.connection_create", "retention.schedule_set"):
        assert action in done, action
    assert foreign_requests == []
