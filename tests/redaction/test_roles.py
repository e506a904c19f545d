"""Who may redact: clerks, attorneys and admins; auditors read the decisions, not the
quotes. Only attorneys (and admins) withhold a whole document (privileged, exempt)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from app.core.db import Database
from tests.redaction.kit import Headers, fill, suggested
from tests.review.factories import audit_count, make_family, make_request

TEXT = "Call Dana Ruiz at home about SSN 078-05-1120."


def test_clerks_and_attorneys_redact_auditors_read_without_the_quotes(
        client: TestClient, clerk: Headers, attorney: Headers, auditor: Headers,
        database: Database) -> None:
    family = make_family(database, "Call", TEXT)
    request_id = make_request(database)
    fill(client, clerk, request_id, [family.email])
    spans = {"clerk": (5, 9), "attorney": (10, 14)}
    for name, headers in (("clerk", clerk), ("attorney", attorney)):
        start, end = spans[name]
        added = client.post(f"/api/v1/documents/{family.email}/redactions", headers=headers,
                            json={"start": start, "end": end, "reason": "A name",
                                  "citation": "24-72-204(3)(a)(IV)"})
        assert added.status_code == 201, added.text
    suggestion = suggested(database, family.email, TEXT, "078-05-1120")

    before = audit_count(database)
    writes = [
        ("post", f"/api/v1/documents/{family.email}/redactions",
         {"start": 0, "end": 4, "reason": "x", "citation": "SSN"}),
        ("patch", f"/api/v1/redactions/{suggestion}",
         {"status": "accepted", "version": 1, "reason": "SSN"}),
        ("post", f"/api/v1/requests/{request_id}/redactions/every-instance",
         {"quote": "Dana", "reason": "A name", "citation": "SSN"}),
        ("post", f"/api/v1/requests/{request_id}/redactions/suggest", None),
    ]
    for method, url, body in writes:
        refused = client.request(method, url, headers=auditor, json=body)
        assert refused.status_code == 403, (url, refused.text)
    assert audit_count(database) == before

    for url in (f"/api/v1/requests/{request_id}/redactions",
                f"/api/v1/documents/{family.email}/redactions"):
        read = client.get(url, headers=auditor)
        assert read.status_code == 200, read.text
        items = read.json()["items"]
        assert len(items) == 3 and all(i["quote"] is None for i in items)
        assert sorted(i["masked"] for i in items) == ["999-99-9999", "Xxxx", "Xxxx"]
    mine = client.get(f"/api/v1/redactions/{suggestion}", headers=attorney).json()
    assert mine["quote"] == "078-05-1120" and mine["status"] == "suggested"
    assert client.get(f"/api/v1/redactions/{uuid.uuid4()}", headers=attorney).status_code == 404


def test_a_clerk_cannot_withhold_a_whole_document_an_attorney_can(
        client: TestClient, clerk: Headers, attorney: Headers, database: Database) -> None:
    family = make_family(database, "Call", TEXT)
    request_id = make_request(database)
    fill(client, clerk, request_id, [family.email])
    url = f"/api/v1/requests/{request_id}/review-set/tags"
    for body in ({"tag": "privileged", "document_ids": [str(family.email)]},
                 {"tag": "exempt", "citation": "SSN", "document_ids": [str(family.email)]}):
        before = audit_count(database)
        assert client.post(url, headers=clerk, json=body).status_code == 403
        assert audit_count(database) == before
        done = client.post(url, headers=attorney, json=body)
        assert done.status_code == 200 and done.json()["changed"] == 1, done.text
