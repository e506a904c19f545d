"""Letters over the API: made from the current template, stored, queued, read back as PDF."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from app.core.db import Database
from app.models import AuditEntry, Letter, LetterTemplateVersion, OutboxMessage, Role, User
from tests.conftest import MakeUser
from tests.letters.conftest import MakeRequest

Headers = Callable[[User], dict[str, str]]


def counts(database: Database) -> tuple[int, int, int, int]:
    """Letters, outbox messages, template versions and audit entries: what a refusal must not grow."""
    with database.reading() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0  # type: ignore[return-value]
                     for model in (Letter, OutboxMessage, LetterTemplateVersion, AuditEntry))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_an_acknowledgement_is_stored_queued_with_its_pdf_and_audited(
    client: TestClient, database: Database, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest
) -> None:
    request = make_request(requester_name="Alex <b>Requester</b>")
    clerk = sign_in(make_user(Role.clerk))
    made = client.post(f"/api/v1/requests/{request.id}/letters", headers=clerk,
                       json={"kind": "acknowledgement"})
    assert made.status_code == 201, made.text
    letter = made.json()
    assert letter["delivery"] == "queued" and letter["recipient"] == "alex@example.org"
    assert letter["template_version"] == 1
    assert letter["subject"] == f"Your records request {request.number} has been received"
    with database.reading() as session:
        message = session.get_one(OutboxMessage, uuid.UUID(letter["outbox_message_id"]))
        assert message.recipients == ["alex@example.org"]
        assert message.attachments == [{"filename": f"{request.number}-acknowledgement.pdf",
                                        "sha256": letter["pdf_sha256"], "media_type": "application/pdf"}]
        assert (message.about_type, message.about_id) == ("records_request", str(request.id))
        assert "December 4, 2026" in message.body_text and "24-72-203" in message.body_text
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "letter.create")).one()
        assert entry.object_id == letter["id"] and entry.details["pdf_sha256"] == letter["pdf_sha256"]

    pdf = client.get(f"/api/v1/requests/{request.id}/letters/{letter['id']}.pdf", headers=clerk)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    assert request.number in text and "December 4, 2026" in text
    html = client.get(f"/api/v1/requests/{request.id}/letters/{letter['id']}.html", headers=clerk)
    assert html.headers["content-type"].startswith("text/html")
    assert "sandbox" in html.headers["content-security-policy"]
    assert "Alex &lt;b&gt;Requester&lt;/b&gt;" in html.text and "<b>Requester" not in html.text

    listed = client.get(f"/api/v1/requests/{request.id}/letters", headers=clerk).json()
    assert [item["id"] for item in listed["items"]] == [letter["id"]]


def test_a_request_without_an_address_gets_its_letter_stored_not_sent(
    client: TestClient, database: Database, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest
) -> None:
    request = make_request(requester_email="")
    clerk = sign_in(make_user(Role.clerk))
    made = client.post(f"/api/v1/requests/{request.id}/letters", headers=clerk,
                       json={"kind": "closing", "note": "Thank you for your patience."}).json()
    assert made["delivery"] == "not_sent" and made["outbox_message_id"] is None
    assert "no e-mail address" in made["delivery_note"]
    assert counts(database)[:2] == (1, 0)
    pdf = client.get(f"/api/v1/requests/{request.id}/letters/{made['id']}.pdf", headers=clerk)
    assert "Thank you for your patience." in pdf_text(pdf.content)


def test_denial_extension_and_fees_letters_say_what_they_must(
    client: TestClient, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest
) -> None:
    request = make_request()
    clerk = sign_in(make_user(Role.clerk))
    url = f"/api/v1/requests/{request.id}/letters"
    denial = client.post(url, headers=clerk, json={"kind": "denial", "partial": True, "grounds": [
        {"code": "24-72-204(3)(a)(I)", "title": "Medical data on individuals"},
        {"code": "24-72-204(3)(a)(IV)", "title": "Trade secrets and confidential commercial data"}]})
    assert denial.status_code == 201, denial.text
    text = pdf_text(client.get(f"{url}/{denial.json()['id']}.pdf", headers=clerk).content)
    assert "24-72-204(3)(a)(I)" in text and "24-72-204(3)(a)(IV)" in text and "withholding others" in text
    extension = client.post(url, headers=clerk, json={
        "kind": "extension_notice", "reason": "The records are held by four departments.",
        "extended_due_date": "2026-12-15"}).json()
    text = pdf_text(client.get(f"{url}/{extension['id']}.pdf", headers=clerk).content)
    assert "four departments" in text and "December 15, 2026" in text
    fees = client.post(url, headers=clerk, json={"kind": "fee_estimate", "fees": {
        "research_hours": "2", "hourly_rate": "41.37", "research_fee": "82.74", "pages": 10,
        "page_rate": "0.25", "copy_fee": "2.50", "total": "85.24"}}).json()
    assert "$85.24" in pdf_text(client.get(f"{url}/{fees['id']}.pdf", headers=clerk).content)


def test_bad_letters_are_refused_and_change_nothing(
    client: TestClient, database: Database, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest
) -> None:
    request = make_request()
    clerk = sign_in(make_user(Role.clerk))
    url = f"/api/v1/requests/{request.id}/letters"
    before = counts(database)
    for body, status, words in [
        ({"kind": "denial"}, 400, "cite each ground"),
        ({"kind": "extension_notice", "extended_due_date": "2026-12-15"}, 400, "state the reason"),
        ({"kind": "extension_notice", "reason": "busy"}, 400, "new due date"),
        ({"kind": "extension_notice", "reason": "busy", "extended_due_date": "2026-12-01"}, 400, "after"),
        ({"kind": "fee_estimate"}, 400, "amounts"),
        ({"kind": "apology"}, 422, "not valid"),
        ({"kind": "closing", "sneaky": 1}, 422, "not valid"),
    ]:
        answer = client.post(url, headers=clerk, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert words in answer.json()["detail"], answer.json()
    unknown = client.post("/api/v1/requests/00000000-0000-0000-0000-000000000000/letters",
                          headers=clerk, json={"kind": "closing"})
    assert unknown.status_code == 404 and "records request" in unknown.json()["detail"]
    assert counts(database) == before


def test_attorneys_and_auditors_read_letters_but_do_not_make_them(
    client: TestClient, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest
) -> None:
    request = make_request()
    url = f"/api/v1/requests/{request.id}/letters"
    made = client.post(url, headers=sign_in(make_user(Role.clerk)), json={"kind": "closing"}).json()
    for role in (Role.attorney, Role.auditor):
        headers = sign_in(make_user(role))
        assert client.post(url, headers=headers, json={"kind": "closing"}).status_code == 403
        assert client.get(url, headers=headers).json()["total"] == 1
        assert client.get(f"{url}/{made['id']}.pdf", headers=headers).status_code == 200
    assert client.get(url).status_code == 401
