"""Signing in and out of the web UI, in a real browser and over HTTP: the cookie's flags,
the idle time-out, the API's lock-outs, CSRF on every form, and the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import Role, User
from tests.conftest import TEST_CREDENTIALS_KEY, TEST_PASSWORD, TEST_SECRET, MakeUser
from tests.ui.conftest import EMBEDDED, accessible, actions, csrf_of, screenshot, signed_in

pytestmark = EMBEDDED


def test_signed_out_visitor_is_sent_to_sign_in(api: TestClient) -> None:
    answer = api.get("/", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
    answer = api.get("/dashboard", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fdashboard"


def test_session_cookie_flags_and_page_policy(api: TestClient, make_user: MakeUser) -> None:
    user = make_user(Role.clerk)
    page = api.get("/sign-in")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    token = csrf_of(page.text)
    answer = api.post("/sign-in", data={"username": user.username, "password": TEST_PASSWORD,
                                        "csrf_token": token}, follow_redirects=False)
    cookie = next(v for k, v in answer.headers.multi_items()
                  if k == "set-cookie" and v.startswith("custodia_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # test mode; production adds it (test below)


def test_production_cookies_are_secure(tmp_path: Path, make_user: MakeUser,
                                       database_url: str) -> None:
    user = make_user(Role.clerk)
    settings = Settings(env="production", data_dir=tmp_path, secret_key=TEST_SECRET,
                        credentials_key=TEST_CREDENTIALS_KEY, database_url=database_url,
                        in_process_worker=False)
    with TestClient(create_app(settings), base_url="https://custodia.test") as client:
        page = client.get("/sign-in")
        assert "Secure" in page.headers["set-cookie"]  # the CSRF seed
        answer = client.post("/sign-in", data={"username": user.username, "password": TEST_PASSWORD,
                                               "csrf_token": csrf_of(page.text)},
                             follow_redirects=False)
    cookie = next(v for k, v in answer.headers.multi_items()
                  if k == "set-cookie" and v.startswith("custodia_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_next_never_leaves_the_site(api: TestClient, make_user: MakeUser) -> None:
    user = make_user(Role.clerk)
    page = api.get("/sign-in?next=//evil.example/x")
    assert 'value="/dashboard"' in page.text and "evil.example" not in page.text
    token = csrf_of(page.text)
    for hostile in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x"):
        answer = api.post("/sign-in", data={"username": user.username, "password": TEST_PASSWORD,
                                            "csrf_token": token, "next": hostile},
                          follow_redirects=False)
        assert answer.headers["location"] == "/dashboard", hostile


def test_form_without_its_csrf_token_is_refused_and_changes_nothing(
        api: TestClient, make_user: MakeUser, database: Database) -> None:
    user = make_user(Role.clerk)
    before = actions(database)
    api.get("/sign-in")  # the browser has its seed cookie, but the form lacks the token
    for sent in ({}, {"csrf_token": "0" * 64}):
        answer = api.post("/sign-in", data={"username": user.username,
                                            "password": TEST_PASSWORD, **sent})
        assert answer.status_code == 403
        assert "did not come from this page" in answer.text
    assert actions(database) == before  # not even a sign-in attempt was recorded
    assert "custodia_session" not in api.cookies


def test_wrong_password_keeps_username_and_is_audited(api: TestClient, make_user: MakeUser,
                                                      database: Database) -> None:
    user = make_user(Role.clerk)
    page = api.get("/sign-in")
    token = csrf_of(page.text)
    answer = api.post("/sign-in", data={"username": user.username, "password": "nope",
                                        "csrf_token": token})
    assert answer.status_code == 401
    assert "Wrong username or password" in answer.text and user.username in answer.text
    assert actions(database)[-1] == "auth.login_failed"


def test_lockout_is_the_apis(api: TestClient, make_user: MakeUser) -> None:
    user = make_user(Role.clerk)
    page = api.get("/sign-in")
    token = csrf_of(page.text)
    for _ in range(5):
        api.post("/sign-in", data={"username": user.username, "password": "nope",
                                   "csrf_token": token})
    answer = api.post("/sign-in", data={"username": user.username, "password": TEST_PASSWORD,
                                        "csrf_token": token})
    assert answer.status_code == 429 and "Retry-After" in answer.headers
    refused = api.post("/api/v1/auth/token", data={"username": user.username,
                                                   "password": TEST_PASSWORD})
    assert refused.status_code == 429


def test_idle_session_is_signed_out(api: TestClient, make_user: MakeUser, clock: FrozenClock,
                                    database: Database) -> None:
    signed_in(api, make_user(Role.clerk))
    assert api.get("/dashboard", follow_redirects=False).status_code == 200
    clock.advance(minutes=29)
    assert api.get("/dashboard", follow_redirects=False).status_code == 200
    clock.advance(minutes=29)  # seen 29 minutes ago: still live
    assert api.get("/dashboard", follow_redirects=False).status_code == 200
    clock.advance(minutes=31)
    answer = api.get("/dashboard", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
    assert actions(database)[-1] == "auth.session_end"


def test_sign_out_ends_the_session(api: TestClient, make_user: MakeUser,
                                   database: Database) -> None:
    signed_in(api, make_user(Role.clerk))
    cookie = api.cookies["custodia_session"]
    page = api.get("/dashboard")
    token = csrf_of(page.text)
    assert api.post("/sign-out", data={"csrf_token": token},
                    follow_redirects=False).status_code == 303
    api.cookies.set("custodia_session", cookie)  # a copy of the cookie opens nothing now
    assert api.get("/dashboard", follow_redirects=False).status_code == 303
    assert actions(database)[-1] == "auth.logout"


def test_sign_in_and_out_in_a_browser(page: Page, live_server: str, make_user: MakeUser,
                                      sign_in: Callable[[User], Page], database: Database,
                                      foreign_requests: list[str]) -> None:
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    accessible(page)
    sign_in(make_user(Role.clerk))
    accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    screenshot(page, "sign-in-and-out")
    assert actions(database)[-3:] == ["auth.login", "auth.session_begin", "auth.logout"]
    assert foreign_requests == []


def test_a_form_posted_without_its_token_is_refused_in_a_browser(
        page: Page, live_server: str, make_user: MakeUser, sign_in: Callable[[User], Page],
        database: Database) -> None:
    sign_in(make_user(Role.clerk))
    page.goto(f"{live_server}/requests/new")
    page.get_by_label("Requester's name").fill("Robin Reporter")
    page.get_by_label("Records asked for").fill("Budget e-mail")
    before = actions(database)
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(i => i.remove())")
    page.get_by_role("button", name="Take in the request").click()
    expect(page.get_by_role("heading", name="403 · Forbidden")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was changed.")
    accessible(page)
    screenshot(page, "csrf-refused")
    assert actions(database) == before  # no request, no audit entry
