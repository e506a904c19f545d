"""The search page: the demo city's mail searched in a real browser (facets, pages,
highlights, families, a syntax error marked, saved searches, the review set), and hostile
input over HTTP, which answers a clear error and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.models import Role, User
from app.requests import service as requests
from app.requests.schemas import RequestIn
from app.ui.pages import environment
from app.ui.search import snippet_parts
from tests.conftest import MakeUser
from tests.requests.test_end_to_end import ingest_demo
from tests.ui.conftest import EMBEDDED, accessible, actions, screenshot, signed_in

pytestmark = EMBEDDED




def open_request(database: Database, actor: Actor, settings: Settings,
                 requester: str = "Robin Reporter") -> tuple[str, str]:
    with database.transaction() as session:
        made = requests.create(session, actor, RequestIn.model_validate({
            "requester_name": requester, "requester_email": "robin@example.org",
            "description": "E-mail about the budget", "channel": "web",
            "category": "news_media"}), settings.zone)
        return str(made.id), made.number


def changes(database: Database, before: list[str]) -> list[str]:
    """What the trail gained since `before`, searches aside (a read, audited as one)."""
    return [action for action in actions(database)[len(before):] if action != "search.run"]


@pytest.fixture
def demo(settings: Settings, database: Database, actor: Actor, tmp_path: Path) -> None:
    ingest_demo(settings, database, tmp_path / "demo", actor)


def test_snippet_html_is_never_trusted(database_url: str) -> None:  # (the module's backend)
    parts = snippet_parts('a &lt;b&gt; <mark>budget</mark> <script>x()</script> &amp;')
    assert parts == [("a <b> ", False), ("budget", True), (" <script>x()</script> &", False)]
    rendered = environment.from_string(
        "{% for text, hit in parts %}{% if hit %}<mark>{{ text }}</mark>{% else %}{{ text }}"
        "{% endif %}{% endfor %}").render(parts=parts)
    assert rendered == ("a &lt;b&gt; <mark>budget</mark> &lt;script&gt;x()&lt;/script&gt; "
                        "&amp;")


# --- over HTTP: roles and hostile input ----------------------------------------------------

def test_auditor_is_refused_search_as_in_the_api(api: TestClient, make_user: MakeUser) -> None:
    signed_in(api, make_user(Role.auditor))
    answer = api.get("/search?q=budget")
    assert answer.status_code == 403
    assert "This action needs one of these roles: clerk, attorney, admin." in answer.text
    assert 'href="/search"' not in answer.text  # nor is it in their navigation


def test_script_in_the_query_is_shown_escaped(api: TestClient, make_user: MakeUser,
                                              database: Database) -> None:
    signed_in(api, make_user(Role.clerk))
    hostile = '<script>alert(1)</script> "unclosed'
    answer = api.get(f"/search?q={quote(hostile)}")
    assert answer.status_code == 400
    assert "<script>alert(1)" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    assert "This quote is never closed" in answer.text
    assert "&lt;/script&gt; <mark>&#34;</mark>unclosed</code>" in answer.text  # the quote
    answer = api.get(f"/search?q={quote('<img src=x onerror=alert(1)>')}")
    assert "<img src=x" not in answer.text


@pytest.mark.parametrize(("path", "message"), [
    ("/search?q=" + "a" * 4001, "at most 4000 characters"),
    ("/search?q=budget&sort=sideways", "Sort by one of: relevance, newest, oldest"),
    ("/search?q=budget&cursor=not-a-cursor", "This page link is not valid"),
    ("/search?q=budget&cursor=" + "x" * 2001, "The form is not valid"),
    ("/search?terms=" + quote("ok\n(broken"), "Term 2 cannot be read"),
    ("/documents/not-a-uuid", "The form is not valid"),
    ("/documents/00000000-0000-0000-0000-000000000000", "No document with that id."),
    ("/documents/00000000-0000-0000-0000-000000000000/native", "No document with that id."),
])
def test_bad_input_answers_a_clear_error_and_changes_nothing(
        api: TestClient, make_user: MakeUser, database: Database, path: str, message: str) -> None:
    signed_in(api, make_user(Role.clerk))
    before = actions(database)
    answer = api.get(path)
    assert answer.status_code in (400, 404), answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")
    assert message in answer.text
    assert actions(database) == before


def test_bad_review_set_forms_change_nothing(api: TestClient, make_user: MakeUser,
                                            database: Database, actor: Actor,
                                            settings: Settings) -> None:
    token = signed_in(api, make_user(Role.clerk))
    request_id, _ = open_request(database, actor, settings)
    before = actions(database)
    for form, status, message in (
            ({"q": "budget", "request_id": "nope"}, 400, "The form is not valid"),
            ({"q": "budget", "request_id": "00000000-0000-0000-0000-000000000000"}, 404,
             "No records request with that id."),
            ({"q": "budget (", "request_id": request_id}, 400, "ends where a word was expected"),
            ({"q": "", "request_id": request_id}, 400, "Please correct the form")):
        answer = api.post("/search/review-set", data={**form, "csrf_token": token})
        assert answer.status_code == status, answer.text[:300]
        assert message in answer.text
    assert api.post("/search/review-set", data={"q": "budget", "request_id": request_id}
                    ).status_code == 403  # no CSRF token
    assert changes(database, before) == []  # the page shown again ran (and audited) the search


def test_attorney_may_search_but_not_add_to_a_review_set(
        api: TestClient, make_user: MakeUser, database: Database, actor: Actor,
        settings: Settings) -> None:
    token = signed_in(api, make_user(Role.attorney))
    request_id, _ = open_request(database, actor, settings)
    page = api.get("/search?q=budget")
    assert page.status_code == 200 and "Add results to review set" not in page.text
    before = actions(database)
    answer = api.post("/search/review-set", data={"q": "budget", "request_id": request_id,
                                                  "csrf_token": token})
    assert answer.status_code == 403
    assert changes(database, before) == []


def test_only_its_author_deletes_a_saved_search(api: TestClient, make_user: MakeUser,
                                               database: Database) -> None:
    token = signed_in(api, make_user(Role.clerk))
    answer = api.post("/search/saved", data={"q": "budget", "name": "Mine", "csrf_token": token},
                      follow_redirects=False)
    assert answer.status_code == 303
    saved_id = re.search(r'/search/saved/([0-9a-f-]{36})/delete', api.get("/search").text)
    assert saved_id
    api.cookies.clear()
    other = signed_in(api, make_user(Role.attorney))
    assert "/delete" not in api.get("/search").text
    before = actions(database)
    answer = api.post(f"/search/saved/{saved_id.group(1)}/delete", data={"csrf_token": other})
    assert answer.status_code == 403 and "or an administrator may delete" in answer.text
    assert api.post("/search/saved/nope/delete", data={"csrf_token": other}).status_code == 400
    assert actions(database) == before
    answer = api.post("/search/saved", data={"q": "budget", "name": "", "csrf_token": other})
    assert answer.status_code == 400 and "name" in answer.text
    assert changes(database, before) == []


# --- in the browser -----------------------------------------------------------------------

def test_a_clerk_searches_narrows_pages_saves_and_fills_a_review_set(
        demo: None, page: Page, live_server: str, sign_in: Callable[[User], Page],
        make_user: MakeUser, database: Database, actor: Actor, settings: Settings) -> None:
    _, number = open_request(database, actor, settings)
    sign_in(make_user(Role.clerk))
    page.get_by_role("link", name="Search").click()
    accessible(page)
    page.get_by_label("Search for").fill("budget")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"documents? match"))).to_be_visible()
    expect(page.locator(".snippet mark").first).to_have_text(re.compile("budget", re.IGNORECASE))
    accessible(page)
    total = int(page.get_by_role("heading", name=re.compile("match")).inner_text().split()[0]
                .replace(",", ""))

    # A facet narrows the query.
    facet = page.locator(".facets a").first
    facet.click()
    expect(page.get_by_label("Search for")).to_have_value(re.compile(r"^budget \S+:"))
    narrowed = int(page.get_by_role("heading", name=re.compile("match")).inner_text().split()[0]
                   .replace(",", ""))
    assert narrowed <= total
    accessible(page)

    # Pages follow the engine's cursor.
    page.get_by_label("Search for").fill("the")
    page.get_by_role("button", name="Search", exact=True).click()
    first = page.locator(".hits > li > a").first.inner_text()
    page.get_by_role("link", name="Next page").click()
    assert "cursor=" in page.url
    expect(page.get_by_role("link", name="First page")).to_be_visible()
    assert page.locator(".hits > li").count() > 0
    assert page.locator(".hits > li > a").first.inner_text() != first
    accessible(page)

    # A syntax error is marked where it is.
    page.get_by_label("Search for").fill("budget AND (council")
    page.get_by_role("button", name="Search", exact=True).click()
    alert = page.locator("#query-error")
    expect(alert).to_contain_text("never closed")
    expect(alert.locator("mark")).to_have_text("(")
    accessible(page)

    # The term report counts each term.
    page.get_by_label("Terms, one per line").fill("budget\ncouncil")
    page.get_by_role("button", name="Count each term").click()
    expect(page.get_by_role("cell", name="budget", exact=True)).to_be_visible()
    accessible(page)

    # Saved, listed, run.
    page.get_by_label("Search for").fill("budget")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_label("Name of this search").fill("Budget mail")
    page.get_by_role("button", name="Save search").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the search “Budget mail”")
    expect(page.get_by_role("cell", name="Budget mail", exact=True)).to_be_visible()
    accessible(page)

    # Into the review set, families with them.
    page.get_by_label("Request").select_option(label=f"{number} · Robin Reporter")
    page.get_by_role("button", name="Add results to review set").click()
    expect(page.get_by_role("status")).to_contain_text(f"Request {number}: {total} hits")
    assert "review_set.add" in actions(database)
    accessible(page)
    page.get_by_role("link", name="Run Budget mail").click()
    page.get_by_role("button", name="Delete Budget mail").click()
    expect(page.get_by_role("status")).to_contain_text("deleted")
    accessible(page)
    screenshot(page, "search-clerk")
