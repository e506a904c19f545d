"""The letter and hold-notice template pages: new wording checked in the sandbox when
saved (the line named, the text kept, nothing saved), previews that run nothing on our
page, the PDF preview, roles as in the API, and bad ids and kinds."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from app.core.db import Database
from app.models import Role, User
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, accessible, actions, csrf_of, screenshot, signed_in
from tests.ui.settings_kit import audited, post

pytestmark = EMBEDDED
GOOD_BODY = "<p>Dear {{ requester_name }},</p>\n<p>We received request {{ request_number }}.</p>\n"


def first_letter_template(api: TestClient) -> str:
    found = re.search(r'href="/admin/letter-templates/([0-9a-f-]{36})"',
                      api.get("/admin/letter-templates").text)
    assert found is not None
    return found.group(1)


def versions(api: TestClient, template_id: str) -> int:
    return len(re.findall(r"Start from version \d+", api.get(
        f"/admin/letter-templates/{template_id}").text))


def test_letter_templates_are_the_apis_clerks_and_admins(api: TestClient,
                                                        make_user: MakeUser) -> None:
    signed_in(api, make_user(Role.attorney))
    answer = api.get("/admin/letter-templates")
    assert answer.status_code == 403
    assert "This action needs one of these roles: clerk, admin." in answer.text
    assert post(api, f"/admin/letter-templates/{'0' * 8}-0000-0000-0000-{'0' * 12}",
                {"subject_template": "x", "body_template": "y"}).status_code == 403


def test_notice_templates_are_the_apis_hold_readers_and_attorneys(api: TestClient,
                                                                  make_user: MakeUser) -> None:
    signed_in(api, make_user(Role.clerk))
    for path in ("/admin/notice-templates", "/admin/notice-templates/notice"):
        answer = api.get(path)
        assert answer.status_code == 403
        assert "This action needs one of these roles: attorney, auditor, admin." in answer.text
    refused = post(api, "/admin/notice-templates/notice",
                   {"subject_template": "x", "body_template": "y"})
    assert refused.status_code == 403
    assert "This action needs one of these roles: attorney, admin." in refused.text


@pytest.mark.parametrize(("body", "says"), [
    ("<p>Dear {{ requester_name }</p>", "body template has an error on line 1"),
    ("<p>ok</p>\n<p>{{ ''.__class__ }}</p>", "on line 2: &#39;__class__&#39;: names starting"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "names starting with _ are not allowed"),
    ("{{ request_number|attr('__class__') }}", "body template has an error"),
    ("{{ cycler }}", "&#39;cycler&#39; is not a name this template knows"),
    ("{% for i in range(10**9) %}x{% endfor %}", "the ** operator is not allowed"),
    ("{% include 'base.html' %}", "body template has an error"),
    ("{{ secrets }}", "is not a name this template knows"),
    ("x" * 100_001, "body_template: String should have at most 100000 characters"),
    ("", "body_template: String should have at least 1 character"),
])
def test_hostile_letter_wording_is_refused_and_nothing_saved(
        api: TestClient, make_user: MakeUser, database: Database, body: str, says: str) -> None:
    signed_in(api, make_user(Role.clerk))
    template_id = first_letter_template(api)
    before, saved = audited(database), versions(api, template_id)
    answer = post(api, f"/admin/letter-templates/{template_id}",
                  {"subject_template": "Your request", "body_template": body, "action": "save"})
    assert answer.status_code == 400 and says in answer.text, answer.text[-3000:]
    if len(body) < 1000:
        assert body.replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;") in answer.text
    assert audited(database) == before and versions(api, template_id) == saved


def test_a_good_letter_version_is_saved_and_audited(api: TestClient, make_user: MakeUser,
                                                    database: Database) -> None:
    signed_in(api, make_user(Role.clerk))
    template_id = first_letter_template(api)
    saved = versions(api, template_id)
    answer = post(api, f"/admin/letter-templates/{template_id}", {
        "subject_template": "Request {{ request_number }}", "body_template": GOOD_BODY,
        "action": "save"})
    assert answer.status_code == 303, answer.text
    page = api.get(answer.headers["location"])
    assert f"Version {saved + 1} is saved" in page.text
    assert versions(api, template_id) == saved + 1
    assert actions(database)[-1] == "letter_template.edit"


def test_a_preview_runs_nothing_on_our_page_and_saves_nothing(
        api: TestClient, make_user: MakeUser, database: Database) -> None:
    signed_in(api, make_user(Role.admin))
    template_id = first_letter_template(api)
    before = audited(database)
    hostile = GOOD_BODY + '<script>alert(1)</script><img src=x onerror="alert(2)">'
    answer = post(api, f"/admin/letter-templates/{template_id}", {
        "subject_template": "Request {{ request_number }}", "body_template": hostile,
        "action": "preview"})
    assert answer.status_code == 200
    shown = answer.text.split('id="preview-heading"')[1]
    assert "Request 2026-0001" in shown and "Dear Alex Requester," in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<script>alert" not in answer.text and "<img src=x" not in answer.text
    assert audited(database) == before


def test_the_pdf_preview_is_a_download(api: TestClient, make_user: MakeUser,
                                       database: Database) -> None:
    signed_in(api, make_user(Role.clerk))
    template_id = first_letter_template(api)
    before = audited(database)
    answer = post(api, f"/admin/letter-templates/{template_id}/preview.pdf", {
        "subject_template": "Request {{ request_number }}", "body_template": GOOD_BODY})
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("attachment;")
    refused = post(api, f"/admin/letter-templates/{template_id}/preview.pdf", {
        "subject_template": "x", "body_template": "{{ nope }}"})
    assert refused.status_code == 400 and "&#39;nope&#39; is not a name" in refused.text
    assert audited(database) == before


@pytest.mark.parametrize(("path", "says"), [
    ("/admin/letter-templates/not-an-id", "No letter template with that id."),
    ("/admin/letter-templates/00000000-0000-0000-0000-000000000000",
     "No letter template with that id."),
    ("/admin/notice-templates/summons", "No hold notice template of that kind"),
])
def test_bad_ids_and_kinds_are_refused_and_change_nothing(
        api: TestClient, make_user: MakeUser, database: Database, path: str, says: str) -> None:
    signed_in(api, make_user(Role.admin))
    assert api.get(path).status_code == 404 and says in api.get(path).text
    before = audited(database)
    answer = post(api, path, {"subject_template": "x", "body_template": "y", "action": "save"})
    assert answer.status_code == 404 and says in answer.text
    assert audited(database) == before


def test_notice_wording_is_checked_saved_and_previewed(api: TestClient, make_user: MakeUser,
                                                       database: Database) -> None:
    signed_in(api, make_user(Role.attorney))
    page = api.get("/admin/notice-templates")
    assert page.status_code == 200 and "Escalation to the supervisor" in page.text
    before = audited(database)
    bad = post(api, "/admin/notice-templates/reminder", {
        "subject_template": "Reminder", "action": "save",
        "body_template": "<p>{{ custodian_name }}</p>\n<p>{{ request_number }}</p>"})
    assert bad.status_code == 400
    assert "line 2: &#39;request_number&#39; is not a name this template knows" in bad.text
    assert "{{ request_number }}" in bad.text and audited(database) == before
    hostile = post(api, "/admin/notice-templates/reminder", {
        "subject_template": "{{ ''.__class__ }}", "body_template": "<p>x</p>", "action": "save"})
    assert hostile.status_code == 400 and "The subject template has an error" in hostile.text
    assert 'id="subject_template-error"' in hostile.text and audited(database) == before
    shown = post(api, "/admin/notice-templates/reminder", {
        "subject_template": "Hold: {{ matter_name }}", "action": "preview",
        "body_template": "<p>Dear {{ custodian_name }}</p><script>x()</script>"})
    assert "Hold: Sample v. City" in shown.text and "&lt;script&gt;x()" in shown.text
    assert "<script>x()" not in shown.text and audited(database) == before
    saved = post(api, "/admin/notice-templates/reminder", {
        "subject_template": "Hold: {{ matter_name }}", "action": "save",
        "body_template": "<p>Dear {{ custodian_name }}, please acknowledge: "
                         "{{ acknowledge_url }}</p>"})
    assert saved.status_code == 303
    assert "Version 2 of the reminder is saved" in api.get(saved.headers["location"]).text
    assert actions(database)[-1] == "hold_notice_template.edit"
    assert api.get("/api/v1/hold-notice-templates").status_code == 401  # pages use no bearer


def test_template_pages_in_a_browser(page: Page, live_server: str, make_user: MakeUser,
                                     sign_in: Callable[[User], Page],
                                     database: Database) -> None:
    sign_in(make_user(Role.admin))
    page.goto(f"{live_server}/admin/letter-templates")
    expect(page.get_by_role("heading", name="Letter templates")).to_be_visible()
    accessible(page)
    page.get_by_role("table").get_by_role("link").first.click()
    body = page.get_by_label("Body (HTML)")
    broken = "<p>Dear {{ requester_name }},</p>\n<p>{% if partial %}in part</p>\n"
    body.fill(broken)
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("#body_template-error")).to_contain_text("on line")
    expect(body).to_have_value(broken)
    accessible(page)
    body.fill(GOOD_BODY)
    page.get_by_role("button", name="Preview with sample data").click()
    expect(page.locator("#preview-text")).to_contain_text("Dear Alex Requester,")
    accessible(page)
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("status")).to_contain_text("is saved: new letters use it")
    accessible(page)
    page.goto(f"{live_server}/admin/notice-templates")
    accessible(page)
    page.get_by_role("link", name="Release notice").click()
    expect(page.get_by_role("heading", name="Release notice template")).to_be_visible()
    accessible(page)
    screenshot(page, "admin-notice-template")
    assert actions(database).count("letter_template.edit") == 1


def test_an_auditor_reads_the_notice_wording_but_cannot_change_it(
        api: TestClient, make_user: MakeUser, database: Database) -> None:
    signed_in(api, make_user(Role.auditor))
    client = api
    page = client.get("/admin/notice-templates/notice")
    assert page.status_code == 200 and 'id="body-text"' in page.text
    assert "Save as a new version" not in page.text
    assert 'href="/admin/calendar"' not in page.text  # the sub-navigation shows what they may open
    before = len(actions(database))
    refused = client.post("/admin/notice-templates/notice", data={
        "csrf_token": csrf_of(page.text),
        "subject_template": "x", "body_template": "y", "action": "save"})
    assert refused.status_code == 403
    assert len(actions(database)) == before
