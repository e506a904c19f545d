"""Reviewers' decisions on redactions: accept, reject, adjust, by hand, every instance;
spans shared by every document with the same text; changes to released texts audited."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.models import AuditEntry, Document, Redaction, RedactionStatus
from app.redaction import service
from tests.redaction.kit import Headers, fill, has_no, released, suggested
from tests.review.factories import audit_count, last_audit, make_family, make_request

SSN = "078-05-1120"
MEMO = f"Payroll memo: employee Dana Ruiz, SSN {SSN}, moves to the water department."


def redactions_of(client: TestClient, headers: Headers, document_id: uuid.UUID,
                  **params: str) -> list[dict[str, object]]:
    answer = client.get(f"/api/v1/documents/{document_id}/redactions", headers=headers,
                        params=params)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


@pytest.fixture
def memo(database: Database, client: TestClient, clerk: Headers) -> tuple[uuid.UUID, uuid.UUID]:
    """A request whose review set holds the payroll memo: (request id, memo id)."""
    family = make_family(database, "Payroll", MEMO)
    request_id = make_request(database)
    fill(client, clerk, request_id, [family.email])
    return request_id, family.email


def test_a_suggestion_is_accepted_adjusted_and_rejected_each_audited_with_before_and_after(
        client: TestClient, clerk: Headers, attorney: Headers, database: Database,
        memo: tuple[uuid.UUID, uuid.UUID]) -> None:
    _, memo_id = memo
    redaction_id = suggested(database, memo_id, MEMO, SSN)
    url = f"/api/v1/redactions/{redaction_id}"
    before = audit_count(database)
    refusals = [
        ({"status": "accepted", "version": 1}, 400, "reason_required"),
        ({"status": "accepted", "version": 1, "reason": "SSN", "citation": "24-72-204(99)"},
         400, "unknown_citation"),
        ({"status": "accepted", "version": 1, "reason": "SSN", "start": 0, "end": 9999},
         400, "span_outside_text"),
        ({"status": "accepted", "version": 1, "reason": "SSN", "start": 10, "end": 5},
         422, "validation_error"),
        ({"status": "rejected", "version": 1, "start": 1, "end": 5}, 422, "validation_error"),
        ({"status": "suggested", "version": 1}, 422, "validation_error"),
        ({"status": "accepted", "version": 2, "reason": "SSN"}, 409, "conflict"),
    ]
    for body, status, code in refusals:
        answer = client.patch(url, headers=clerk, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["code"] == code, body
    assert audit_count(database) == before
    [unchanged] = redactions_of(client, clerk, memo_id)
    assert (unchanged["status"], unchanged["version"], unchanged["reason"]) == ("suggested", 1, "")

    # Accepted with its detector's default citation and a reason, in the clerk's name.
    accepted = client.patch(url, headers=clerk, json={
        "status": "accepted", "version": 1, "reason": "Employee's Social Security number"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["reviewer"] == "cora.clerk" and accepted.json()["version"] == 2
    assert accepted.json()["citation_code"] == "SSN" and accepted.json()["quote"] == SSN
    entry = last_audit(database)
    assert (entry.action, entry.actor, entry.object_id) == ("redaction.accept", "cora.clerk",
                                                            str(redaction_id))
    assert entry.details["before"]["status"] == "suggested"
    assert entry.details["after"]["status"] == "accepted"
    assert entry.details["after"]["masked"] == "999-99-9999" and has_no(entry.details, SSN)
    with database.reading() as session:
        row = session.get(Redaction, redaction_id)
        assert row is not None and row.reviewer_id is not None and row.reviewed_at is not None

    # Adjusted by the attorney to take in the "SSN " label as well: the quote follows.
    start = MEMO.index("SSN ")
    adjusted = client.patch(url, headers=attorney, json={
        "status": "accepted", "version": 2, "start": start, "end": start + 4 + len(SSN)})
    assert adjusted.status_code == 200, adjusted.text
    assert adjusted.json()["quote"] == f"SSN {SSN}" and adjusted.json()["reviewer"] == "art.attorney"
    entry = last_audit(database)
    assert entry.action == "redaction.adjust" and entry.actor == "art.attorney"
    assert (entry.details["before"]["start"], entry.details["after"]["start"]) == (
        MEMO.index(SSN), start)
    assert entry.details["after"]["length"] == 4 + len(SSN) and has_no(entry.details, SSN)

    stale = client.patch(url, headers=clerk, json={"status": "rejected", "version": 2})
    assert stale.status_code == 409 and stale.json()["current_version"] == 3
    rejected = client.patch(url, headers=clerk, json={
        "status": "rejected", "version": 3, "reason": "already public in the council minutes"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    entry = last_audit(database)
    assert entry.action == "redaction.reject"
    assert (entry.details["before"]["status"], entry.details["after"]["status"]) == (
        "accepted", "rejected")
    assert "changes_released_redaction" not in entry.details  # never released


def test_a_span_drawn_by_hand_needs_a_reason_a_citation_in_force_and_a_place_in_the_text(
        client: TestClient, attorney: Headers, database: Database,
        memo: tuple[uuid.UUID, uuid.UUID]) -> None:
    request_id, memo_id = memo
    name = MEMO.index("Dana Ruiz")
    url = f"/api/v1/documents/{memo_id}/redactions"
    body = {"start": name, "end": name + 9, "reason": "Employee's name in a personnel matter",
            "citation": "24-72-204(3)(a)(II)(A)", "request_id": str(request_id)}
    before = audit_count(database)
    for change, status, code in [
            ({"reason": "   "}, 400, "reason_required"),
            ({"reason": ""}, 422, "validation_error"),
            ({"citation": None}, 422, "validation_error"),
            ({"citation": "nope"}, 400, "unknown_citation"),
            ({"start": len(MEMO), "end": len(MEMO) + 3}, 400, "span_outside_text"),
            ({"request_id": str(make_request(database))}, 400, "not_in_review_set")]:
        answer = client.post(url, headers=attorney, json={**body, **change})
        assert answer.status_code == status, (change, answer.text)
        assert answer.json()["code"] == code
    assert client.post(f"/api/v1/documents/{uuid.uuid4()}/redactions", headers=attorney,
                       json=body).status_code == 404
    assert audit_count(database) == before and redactions_of(client, attorney, memo_id) == []

    added = client.post(url, headers=attorney, json=body)
    assert added.status_code == 201, added.text
    shown = added.json()
    assert (shown["status"], shown["detector"], shown["quote"]) == ("accepted", "manual",
                                                                    "Dana Ruiz")
    assert shown["reviewer"] == "art.attorney" and shown["request_id"] == str(request_id)
    entry = last_audit(database)
    assert entry.action == "redaction.add" and "before" not in entry.details
    assert entry.details["after"]["masked"] == "Xxxx Xxxx" and has_no(entry.details, "Dana")
    again = client.post(url, headers=attorney, json=body)
    assert again.status_code == 409 and again.json()["redaction_id"] == shown["id"]


def test_a_redaction_shows_on_every_duplicate_in_any_family_and_in_a_later_request(
        client: TestClient, clerk: Headers, attorney: Headers, database: Database) -> None:
    sheet = f"Timesheet: Dana Ruiz, SSN {SSN}, 40 hours."
    first = make_family(database, "Timesheets week 1", "see attached", (("ts.txt", sheet),))
    second = make_family(database, "Fwd: timesheets", "forwarding", (("ts.txt", sheet),))
    [one], [other] = first.attachments, second.attachments
    request_id = make_request(database)
    fill(client, clerk, request_id, [first.email])
    start = sheet.index(SSN)
    added = client.post(f"/api/v1/documents/{one}/redactions", headers=clerk, json={
        "start": start, "end": start + len(SSN), "reason": "SSN", "citation": "SSN",
        "request_id": str(request_id)})
    assert added.status_code == 201, added.text
    [shared] = redactions_of(client, clerk, other)
    assert shared["id"] == added.json()["id"] and shared["document_id"] == str(one)
    with database.reading() as session:
        document = session.get(Document, other)
        assert document is not None
        assert [r.id for r in service.accepted_for_document(session, document)] == [
            uuid.UUID(shared["id"])]
        assert service.accepted_for_text(session, service.text_key(sheet))[0].start == start

    # A second request over the duplicate only (the other family) sees the span, and its
    # released production is named when the redaction is lifted.
    later = make_request(database)
    fill(client, clerk, later, [second.email])
    production_id = released(database, other)
    listed = client.get(f"/api/v1/requests/{later}/redactions", headers=attorney,
                        params={"status": "accepted"})
    assert [r["id"] for r in listed.json()["items"]] == [shared["id"]]
    lifted = client.patch(f"/api/v1/redactions/{shared['id']}", headers=attorney, json={
        "status": "rejected", "version": shared["version"], "reason": "the requester's own"})
    assert lifted.status_code == 200, lifted.text
    entry = last_audit(database)
    assert entry.action == "redaction.reject" and entry.actor == "art.attorney"
    assert entry.details["before"]["status"] == "accepted"
    assert entry.details["after"]["status"] == "rejected"
    assert entry.details["changes_released_redaction"] is True
    assert [p["production_id"] for p in entry.details["productions"]] == [str(production_id)]
    assert has_no(entry.details, SSN)
    with database.reading() as session:
        assert service.accepted_for_text(session, service.text_key(sheet)) == []


def test_every_instance_redacts_a_number_however_it_is_separated_across_the_set(
        client: TestClient, clerk: Headers, database: Database) -> None:
    texts = [f"Dana's SSN is {SSN}.", "Re-entered as 078 05 1120 by payroll.",
             "Typed 078051120 and 078.05.1120; not 1078051120 nor 078-05-11201.",
             "Nothing here."]
    families = [make_family(database, f"Mail {i}", text) for i, text in enumerate(texts)]
    duplicate = make_family(database, "Copy", texts[1])  # the same text in another family
    outside = make_family(database, "Not in the set", texts[0].replace("Dana", "Lee"))
    request_id = make_request(database)
    fill(client, clerk, request_id, [f.email for f in families] + [duplicate.email])
    taken = suggested(database, families[1].email, texts[1], "078 05 1120")
    url = f"/api/v1/requests/{request_id}/redactions/every-instance"
    before = audit_count(database)
    for body, status in [({"quote": SSN, "reason": " ", "citation": "SSN"}, 400),
                         ({"quote": " 1 ", "reason": "SSN", "citation": "SSN"}, 422),
                         ({"quote": SSN, "reason": "SSN", "citation": "RETIRED"}, 400)]:
        assert client.post(url, headers=clerk, json=body).status_code == status
    assert audit_count(database) == before

    done = client.post(url, headers=clerk, json={"quote": SSN, "reason": "SSN",
                                                 "citation": "SSN"})
    assert done.status_code == 200, done.text
    assert done.json() == {"documents": 4, "occurrences": 4, "added": 3, "accepted": 1,
                           "already": 0}
    with database.reading() as session:
        rows = session.scalars(select(Redaction).order_by(Redaction.quote)).all()
    assert sorted(r.quote for r in rows) == ["078 05 1120", "078-05-1120", "078.05.1120",
                                             "078051120"]
    assert all(r.status == RedactionStatus.accepted and r.citation_code == "SSN" for r in rows)
    assert {r.detector for r in rows if r.id != taken} == {"every_instance"}
    entry = last_audit(database)
    assert entry.action == "redaction.every_instance" and entry.actor == "cora.clerk"
    assert entry.details["masked"] == "999-99-9999" and entry.details["number"] is True
    assert entry.details["changed"][0]["before"]["status"] == "suggested"
    assert has_no(entry.details, SSN, "078 05", "078051120")
    assert redactions_of(client, clerk, duplicate.email)[0]["quote"] == "078 05 1120"
    assert redactions_of(client, clerk, outside.email) == []  # outside the set: untouched
    again = client.post(url, headers=clerk, json={"quote": SSN, "reason": "SSN",
                                                  "citation": "SSN"})
    assert again.json()["already"] == 4 and again.json()["added"] == 0


def test_every_instance_of_words_ignores_case_and_keeps_to_whole_words(
        client: TestClient, clerk: Headers, database: Database) -> None:
    text = "ANN ROSS called; Ann  Ross again. Annual report by Ann Rossi."
    family = make_family(database, "Calls", text)
    request_id = make_request(database)
    fill(client, clerk, request_id, [family.email])
    done = client.post(f"/api/v1/requests/{request_id}/redactions/every-instance",
                       headers=clerk, json={"quote": "ann ross", "reason": "A caller's name",
                                            "citation": "24-72-204(3)(a)(IV)"})
    assert done.status_code == 200 and done.json()["added"] == 2, done.text
    quotes = [r["quote"] for r in redactions_of(client, clerk, family.email)]
    assert quotes == ["ANN ROSS", "Ann  Ross"]
    entry = last_audit(database)
    assert entry.details["masked"] == "xxx xxxx" and has_no(entry.details, "ann ross", "Ross")


def test_the_audit_trail_never_holds_a_quote(client: TestClient, clerk: Headers,
                                             database: Database,
                                             memo: tuple[uuid.UUID, uuid.UUID]) -> None:
    _, memo_id = memo
    redaction_id = suggested(database, memo_id, MEMO, SSN)
    client.patch(f"/api/v1/redactions/{redaction_id}", headers=clerk,
                 json={"status": "accepted", "version": 1, "reason": "SSN"})
    with database.reading() as session:
        trail = session.scalars(select(AuditEntry.details)).all()
    assert all(has_no(details, SSN) for details in trail)


def test_adjusting_onto_another_redactions_span_is_a_409_naming_it(
        client: TestClient, clerk: Headers, database: Database,
        memo: tuple[uuid.UUID, uuid.UUID]) -> None:
    _, memo_id = memo
    number = suggested(database, memo_id, MEMO, SSN)
    name = suggested(database, memo_id, MEMO, "Dana Ruiz", detector="manual")
    start = MEMO.index(SSN)
    before = audit_count(database)
    onto = client.patch(f"/api/v1/redactions/{name}", headers=clerk, json={
        "status": "accepted", "version": 1, "reason": "x", "citation": "SSN",
        "start": start, "end": start + len(SSN)})
    assert onto.status_code == 409 and onto.json()["redaction_id"] == str(number)
    blank = client.patch(f"/api/v1/redactions/{name}", headers=clerk, json={
        "status": "accepted", "version": 1, "reason": "x", "citation": "SSN",
        "start": start - 1, "end": start})  # the space before the number
    assert blank.status_code == 400 and "only spaces" in blank.json()["detail"]
    assert audit_count(database) == before
    with database.reading() as session:
        row = session.get(Redaction, name)
        assert row is not None and (row.quote, row.version) == ("Dana Ruiz", 1)
