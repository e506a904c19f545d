"""A clerk's limits in a real browser: no Audit or Admin in the navigation, and each of
those pages typed by hand answers 403 with the API's own message."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from app.models import Role, User
from app.ui.admin import SECTIONS
from tests.conftest import TEST_PASSWORD, MakeUser
from tests.ui.conftest import EMBEDDED, accessible, screenshot

pytestmark = EMBEDDED
MINE = {"/admin/users", "/admin/api-tokens", "/admin/lockouts", "/admin/ingest-roots",
        "/admin/mail-connections", "/admin/retention"}
# Clerks write letters: the API lets them edit letter templates (ClerkUser), so the page too.
CLERKS_MAY = {"/admin/letter-templates"}


def refused(page: Page, url: str, message: str) -> None:
    """The 403 page, with `message` (the API's), or any refusal that does not name clerks."""
    answer = page.goto(url)
    assert answer is not None and answer.status == 403, url
    expect(page.get_by_role("heading", name="403 · Forbidden")).to_be_visible()
    alert = page.get_by_role("alert")
    if message:
        expect(alert).to_have_text(message)
    else:
        expect(alert).to_contain_text("This action needs one of these roles:")
        assert "clerk" not in alert.inner_text(), url
    accessible(page)


def api_refusal(page: Page, live_server: str, user: User, path: str) -> str:
    signed = page.request.post(f"{live_server}/api/v1/auth/token",
                               form={"username": user.username, "password": TEST_PASSWORD})
    bearer = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    answer = page.request.get(f"{live_server}{path}", headers=bearer)
    assert answer.status == 403
    detail: str = answer.json()["detail"]
    return detail


def test_a_clerk_sees_and_opens_neither_audit_nor_admin(
        page: Page, live_server: str, make_user: MakeUser,
        sign_in: Callable[[User], Page]) -> None:
    clerk = make_user(Role.clerk)
    sign_in(clerk)
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Dashboard")).to_be_visible()
    for hidden in ("Audit", "Admin"):
        expect(menu.get_by_role("link", name=hidden)).to_have_count(0)
    accessible(page)

    # Other areas' sections answer 404 until their branches are merged.
    built = [s.path for s in SECTIONS if page.request.get(
        f"{live_server}{s.path}", max_redirects=0).status != 404]
    assert set(built) >= MINE
    for path in sorted(set(built) & CLERKS_MAY):
        answer = page.goto(f"{live_server}{path}")
        assert answer is not None and answer.status == 200, path
        accessible(page)
    for path in sorted(set(built) - MINE - CLERKS_MAY):  # other areas' (admin's, attorneys')
        refused(page, f"{live_server}{path}", "")
    for paths, api_path in ((["/audit"], "/api/v1/audit"),
                            (["/admin", *sorted(MINE)], "/api/v1/users")):
        message = api_refusal(page, live_server, clerk, api_path)
        for path in paths:
            refused(page, f"{live_server}{path}", message)
    screenshot(page, "clerk-refused-admin")
