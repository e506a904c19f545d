"""The case file's review set, letters and clock over plain HTTP: who sees which tag, the
htmx answers, the letter preview shown as text, PDF downloads under the API's rule, the
extension; each refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.core.db import Database
from app.models import Role, User
from tests.conftest import MakeUser
from tests.review.factories import Family, make_family
from tests.ui.conftest import EMBEDDED, actions, signed_in
from tests.ui.test_requests import take_in, version_of

pytestmark = EMBEDDED
HTMX = {"HX-Request": "true"}


@pytest.fixture
def clerk(make_user: MakeUser) -> User:
    return make_user(Role.clerk)


@pytest.fixture
def filed(api: TestClient, clerk: User, database: Database,
          login: Callable[[User], dict[str, str]]) -> tuple[str, Family]:
    """A request taken in through the page, with one e-mail and its attachment in its set."""
    request_id = take_in(api, signed_in(api, clerk))
    family = make_family(database, "Reservoir budget", "the reservoir budget",
                         (("budget.txt", "the numbers"),))
    added = api.post(f"/api/v1/requests/{request_id}/review-set/documents",
                     headers=login(clerk), json={"document_ids": [str(family.email)]})
    assert added.status_code == 200, added.text
    return request_id, family


def test_an_attorney_sees_and_sets_only_the_attorneys_tags(
        api: TestClient, filed: tuple[str, Family], make_user: MakeUser,
        database: Database) -> None:
    request_id, family = filed
    api.cookies.clear()
    token = signed_in(api, make_user(Role.attorney))
    case = api.get(f"/requests/{request_id}").text
    assert 'data-key="p"' in case and 'data-key="e"' in case
    assert 'data-key="r"' not in case and "Add the hits" not in case
    code = case.split('<select id="citation" name="citation">')[1].split(
        '<option value="')[2].split('"')[0]
    path = f"/requests/{request_id}/review-set/tags"
    before = actions(database)
    uncited = api.post(path, headers=HTMX, data={"tag": "exempt", "csrf_token": token,
                                                 "document_ids": [str(family.email)]})
    assert uncited.status_code == 200 and uncited.text.lstrip().startswith('<section id="review"')
    assert "needs the citation" in uncited.text and 'role="alert"' in uncited.text
    typed = api.post(path, data={"tag": "responsive", "csrf_token": token,
                                 "document_ids": [str(family.email)]})
    assert typed.status_code == 403 and "Attorneys may set the privileged and exempt" in typed.text
    assert actions(database) == before
    tagged = api.post(path, headers=HTMX, data={
        "tag": "exempt", "citation": code, "note": "trade secrets", "csrf_token": token,
        "document_ids": [str(family.email)]})
    assert tagged.status_code == 200 and "<html" not in tagged.text
    assert "Tagged 1 exempt" in tagged.text and f"exempt {code}" in tagged.text
    assert '<div class="card" id="live-estimate" hx-swap-oob="true">' in tagged.text
    assert actions(database)[-1] == "review_tag.set"


def test_a_plain_form_tags_and_takes_out_then_returns_to_the_case_file(
        api: TestClient, filed: tuple[str, Family], clerk: User, database: Database) -> None:
    request_id, family = filed
    token = signed_in(api, clerk)
    case = api.get(f"/requests/{request_id}").text
    assert 'data-key="r"' in case and 'data-key="n"' in case
    assert 'data-key="p"' not in case and 'data-key="e"' not in case  # the attorney's keys
    before = actions(database)
    withheld = api.post(f"/requests/{request_id}/review-set/tags", data={
        "tag": "privileged", "csrf_token": token, "document_ids": [str(family.email)]})
    assert withheld.status_code == 403 and "Only attorneys may mark" in withheld.text
    assert actions(database) == before
    tagged = api.post(f"/requests/{request_id}/review-set/tags", follow_redirects=False, data={
        "tag": "responsive", "csrf_token": token, "document_ids": [str(family.email)]})
    assert tagged.status_code == 303
    assert tagged.headers["location"] == f"/requests/{request_id}#review"
    assert "responsive: 1" in api.get(f"/requests/{request_id}").text
    removed = api.post(f"/requests/{request_id}/review-set/remove", data={
        "csrf_token": token, "document_ids": [str(family.email)]})
    assert "Took out 2 documents and 1 tags." in removed.text
    assert "0 documents, 0 untagged" in removed.text
    assert actions(database)[-2:] == ["review_tag.set", "review_set.remove"]


def test_a_letter_is_previewed_as_text_then_sent_and_its_pdf_read_by_an_auditor(
        api: TestClient, filed: tuple[str, Family], clerk: User, make_user: MakeUser,
        database: Database) -> None:
    request_id, _ = filed
    token = signed_in(api, clerk)
    before = actions(database)
    preview = api.post(f"/requests/{request_id}/letters/preview", data={
        "kind": "acknowledgement", "note": "<b>We</b> will call you.", "csrf_token": token})
    assert preview.status_code == 200 and "Not sent yet" in preview.text
    shown = preview.text.split('<pre class="text">')[1].split("</pre>")[0]
    assert "2026-0001" in shown and "<" not in shown  # the letter's HTML never enters our page
    assert "&lt;b&gt;We&lt;/b&gt; will call you." in shown
    assert actions(database) == before  # a preview stores and sends nothing
    denial = api.post(f"/requests/{request_id}/letters/preview", data={
        "kind": "denial", "csrf_token": token})
    assert denial.status_code == 400 and "A denial must cite each ground" in denial.text
    sent = api.post(f"/requests/{request_id}/letters", data={
        "kind": "acknowledgement", "note": "We will call you.", "csrf_token": token})
    assert "The acknowledgement letter is filed. Queued for pat@example.org." in sent.text
    assert actions(database)[-1] == "letter.create"
    letter_id = sent.text.split(f"/requests/{request_id}/letters/")[1].split(".pdf")[0]
    api.cookies.clear()
    signed_in(api, make_user(Role.auditor))
    pdf = api.get(f"/requests/{request_id}/letters/{letter_id}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert actions(database)[-1] == "letter.download"


def test_the_extension_is_taken_once_with_its_notice(api: TestClient, clerk: User,
                                                     database: Database) -> None:
    token = signed_in(api, clerk)
    request_id = take_in(api, token)
    version = version_of(api.get(f"/requests/{request_id}").text)
    path = f"/requests/{request_id}/extension"
    before = actions(database)
    blank = api.post(path, data={"reason": "  ", "version": version, "csrf_token": token})
    assert blank.status_code == 400 and 'id="clock-error"' in blank.text
    assert actions(database) == before
    taken = api.post(path, data={"reason": "records in off-site storage", "version": version,
                                 "csrf_token": token})
    assert "Extended: request 2026-0001 is now due" in taken.text
    assert "records in off-site storage" in taken.text and "extension notice" in taken.text
    middle = actions(database)
    stale = api.post(path, data={"reason": "again", "version": version, "csrf_token": token})
    assert stale.status_code == 409 and actions(database) == middle


def test_a_waiver_needs_its_reason(api: TestClient, clerk: User, database: Database) -> None:
    token = signed_in(api, clerk)
    request_id = take_in(api, token)
    before = actions(database)
    for data in ({"reason": "", "amount": ""}, {"reason": "hardship", "amount": "lots"}):
        answer = api.post(f"/requests/{request_id}/fees/waivers", data={**data,
                                                                         "csrf_token": token})
        assert answer.status_code == 400 and 'id="waiver-error"' in answer.text
    assert actions(database) == before
    waived = api.post(f"/requests/{request_id}/fees/waivers", data={
        "reason": "news media, public interest", "amount": "", "csrf_token": token})
    assert "Every fee waived." in waived.text and actions(database)[-1] == "fee.waiver"
