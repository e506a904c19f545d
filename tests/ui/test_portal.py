"""The public portal over plain HTTP: its rules (honeypot, rate limit, bad input, bad links,
the language cookie) and the admin's page for the texts it publishes."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.db import Database
from app.models import AuditEntry, PublicText, PublicTextKey, RecordsRequest, Role
from app.portal.throttle import SUBMISSIONS_PER_ADDRESS
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, csrf_of, page_token, signed_in

pytestmark = EMBEDDED

GOOD = {"requester_name": "Ana Ruiz", "requester_email": "ana@example.org", "phone": "303-555-0100",
        "requester_organization": "", "category": "general", "delivery": "email",
        "description": "Minutes of the parks board, 2025."}




def counts(database: Database) -> tuple[int, int]:
    with database.reading() as session:
        return (session.scalar(select(func.count()).select_from(RecordsRequest)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def send(api: TestClient, **changes: str) -> object:
    token = page_token(api, "/portal/requests/new")
    return api.post("/portal/requests/new", data={**GOOD, "csrf_token": token, **changes})


def test_the_home_page_publishes_the_policy_and_fees_escaped(api: TestClient, database: Database) -> None:
    page = api.get("/portal")
    assert page.status_code == 200
    assert "Colorado Open Records Act" in page.text and "25 cents per page" in page.text
    assert 'href="/portal/requests/new"' in page.text and "Sign out" not in page.text
    with database.transaction() as session:
        row = session.scalars(select(PublicText).where(PublicText.key == PublicTextKey.cora_policy,
                                                       PublicText.language == "en")).one()
        row.body = "<script>alert(1)</script>\n\nSecond paragraph."
    page = api.get("/portal")
    assert "<script>alert(1)</script>" not in page.text
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in page.text
    assert "<p>Second paragraph.</p>" in page.text


def test_spanish_is_chosen_on_the_page_and_a_bad_cookie_is_ignored(api: TestClient,
                                                                   database: Database) -> None:
    token = page_token(api, "/portal")
    answer = api.post("/portal/language", data={"language": "es", "next": "/portal/requests/new",
                                                "csrf_token": token}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/requests/new")
    assert api.cookies["custodia_language"] == "es"
    page = api.get("/portal/requests/new")
    assert '<html lang="es">' in page.text and "Enviar la solicitud" in page.text
    for hostile in ("https://evil.example/", "//evil.example", "/dashboard"):
        answer = api.post("/portal/language", data={"language": "en", "next": hostile, "csrf_token": token},
                          follow_redirects=False)
        assert answer.headers["location"] == "/portal", hostile
    before = counts(database)
    refused = api.post("/portal/language", data={"language": "xx", "csrf_token": token})
    assert refused.status_code == 400 and "That language is not available." in refused.text
    api.cookies.set("custodia_language", "../../etc<script>")
    page = api.get("/portal")
    assert page.status_code == 200 and '<html lang="en">' in page.text and "etc&lt;" not in page.text
    assert counts(database) == before


def test_the_language_form_needs_its_csrf_token(api: TestClient) -> None:
    api.get("/portal")
    assert api.post("/portal/language", data={"language": "es"}).status_code == 403


def test_a_request_sent_gives_a_receipt_and_a_working_link(api: TestClient, database: Database) -> None:
    before = counts(database)
    receipt = send(api)
    assert receipt.status_code == 200, receipt.text
    number = re.search(r'id="request-number">([^<]+)<', receipt.text).group(1)
    token = re.search(r'href="/portal/track/([^"]+)"', receipt.text).group(1)
    assert "working days" in receipt.text
    with database.reading() as session:
        made = session.scalars(select(RecordsRequest).where(RecordsRequest.number == number)).one()
        assert (made.channel, made.requester_name, made.requester_email) == (
            "portal", "Ana Ruiz", "ana@example.org")
        assert made.requester_contact == "Phone: 303-555-0100\nPreferred delivery: email"
    assert counts(database)[0] == before[0] + 1
    page = api.get(f"/portal/track/{token}")
    assert page.status_code == 200 and number in page.text and "Acknowledgement" in page.text


def test_a_filled_honeypot_is_refused_and_nothing_is_stored(api: TestClient, database: Database) -> None:
    before = counts(database)
    answer = send(api, website="http://spam.example")
    assert answer.status_code == 400
    assert "Leave this field empty" in answer.text and "Nothing was sent" in answer.text
    assert 'value="Ana Ruiz"' in answer.text  # a person who filled it by mistake loses nothing
    assert counts(database) == before


def test_too_many_requests_from_one_address_answer_429(api: TestClient, database: Database) -> None:
    token = page_token(api, "/portal/requests/new")
    for _ in range(SUBMISSIONS_PER_ADDRESS + 2):  # a form with mistakes is not counted
        mistaken = api.post("/portal/requests/new", data={**GOOD, "category": "x", "csrf_token": token})
        assert mistaken.status_code == 400
    for _ in range(SUBMISSIONS_PER_ADDRESS):  # a robot's form is, and is quick
        trapped = api.post("/portal/requests/new", data={**GOOD, "website": "x", "csrf_token": token})
        assert trapped.status_code == 400
    before = counts(database)
    answer = api.post("/portal/requests/new", data={**GOOD, "csrf_token": token})
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0
    assert "Too many requests have been sent from this address" in answer.text
    assert counts(database) == before


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"requester_email": "ana@example.org, boss@example.org"}, "requester_email", "one e-mail address"),
    ({"requester_email": "not an address"}, "requester_email", "one e-mail address"),
    ({"category": "government"}, "category", "choose one of the options"),
    ({"delivery": "pigeon"}, "delivery", "choose one of the options"),
    ({"requester_name": "   "}, "requester_name", "fill in this field"),
    ({"requester_name": "A" * 201}, "requester_name", "at most 200 characters"),
    ({"phone": "5" * 101}, "phone", "at most 100 characters"),
    ({"description": "x" * 20_001}, "description", "at most 20000 characters"),
])
def test_bad_input_is_shown_with_the_form_kept_and_changes_nothing(
        api: TestClient, database: Database, changes: dict[str, str], field: str, message: str) -> None:
    before = counts(database)
    answer = send(api, **changes)
    assert answer.status_code == 400
    assert message in answer.text.lower().replace("\n", " ")
    assert f'id="{field}-error"' in answer.text and 'aria-invalid="true"' in answer.text
    assert "Minutes of the parks board" in answer.text or field == "description"
    assert counts(database) == before


def test_bad_input_in_spanish_is_worded_in_spanish(api: TestClient, database: Database) -> None:
    api.cookies.set("custodia_language", "es")
    answer = send(api, requester_email="nope")
    assert answer.status_code == 400 and "una sola dirección de correo electrónico" in answer.text


@pytest.mark.parametrize("token", ["x" * 43, "short", "y" * 300, "%2e%2e"])
def test_unknown_links_answer_the_apis_404(api: TestClient, database: Database, token: str) -> None:
    before = counts(database)
    page = api.get(f"/portal/track/{token}")
    assert page.status_code == 404 and "No such link." in page.text
    assert api.get(f"/api/v1/portal/{token}").json()["detail"] == "No such link."
    assert counts(database) == before


def test_a_bad_letter_id_under_a_good_link_is_404(api: TestClient) -> None:
    receipt = send(api)
    token = re.search(r'href="/portal/track/([^"]+)"', receipt.text).group(1)
    for letter in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        answer = api.get(f"/portal/track/{token}/letters/{letter}.pdf")
        assert answer.status_code == 404 and "no such letter" in answer.text


def test_guessing_links_is_throttled_like_the_api(api: TestClient, settings: object) -> None:
    for _ in range(api.app.state.settings.sign_in_failures_per_address):  # type: ignore[attr-defined]
        assert api.get("/portal/track/" + "z" * 43).status_code == 404
    page = api.get("/portal/track/" + "z" * 43)
    assert page.status_code == 429 and "retry-after" in page.headers
    assert api.get("/api/v1/portal/" + "z" * 43).status_code == 429  # one count for both


def test_public_texts_are_an_admins_to_edit(api: TestClient, database: Database, make_user: MakeUser) -> None:
    signed_in(api, make_user(Role.clerk))
    assert api.get("/admin/public-texts").status_code == 403
    token = page_token(api, "/portal")
    before = counts(database)
    refused = api.post("/admin/public-texts", data={"csrf_token": token, "fee_schedule.en": "Free."})
    assert refused.status_code == 403
    assert counts(database) == before


def test_an_admins_edit_is_audited_with_before_and_after(api: TestClient, database: Database,
                                                        make_user: MakeUser) -> None:
    signed_in(api, make_user(Role.admin))
    page = api.get("/admin/public-texts")
    token = csrf_of(page.text)
    values = {name: html.unescape(re.search(rf'name="{re.escape(name)}"[^>]*>([^<]*)</textarea>',
                                            page.text).group(1))
              for name in ("cora_policy.en", "cora_policy.es", "fee_schedule.en", "fee_schedule.es")}
    assert "25 centavos" in values["fee_schedule.es"]
    answer = api.post("/admin/public-texts", follow_redirects=False,
                      data={**values, "fee_schedule.es": "Gratis.", "csrf_token": token})
    assert answer.status_code == 303
    with database.reading() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "public_text.update")))
    assert len(entries) == 1 and entries[0].details["after"] == {"body": "Gratis."}
    assert "25 centavos" in entries[0].details["before"]["body"]
    api.cookies.set("custodia_language", "es")
    assert "Gratis." in api.get("/portal").text
    before = counts(database)
    refused = api.post("/admin/public-texts",
                       data={**values, "cora_policy.en": "x" * 20_001, "csrf_token": token})
    assert refused.status_code == 400 and "longer than 20,000" in refused.text
    assert counts(database) == before
