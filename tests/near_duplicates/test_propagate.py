"""One tag or one redaction applied to a whole group, audited once; bad input changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.models import Redaction, ReviewTag
from app.near_duplicates import grouping
from tests.near_duplicates.factories import edited, group_of, memo
from tests.review.factories import audit_count, audit_entries, index, make_family, make_request

Headers = dict[str, str]
CITATION = "24-72-204(3)(a)(II)(A)"
SSN = "078-05-1120"


@dataclass
class Review:
    request_id: uuid.UUID
    group_id: uuid.UUID
    pivot: uuid.UUID
    copies: list[uuid.UUID]
    alone: uuid.UUID  # in a group of its own


@pytest.fixture
def review(database: Database, client: TestClient, clerk: Headers) -> Review:
    text = memo(21).replace("review number 21005.", f"employee SSN {SSN} on file.")
    pivot = make_family(database, "Water budget", text).email
    copies = [make_family(database, "FW: Water budget", edited(text)).email,
              make_family(database, "RE: Water budget", edited(text) + " Agreed.").email]
    alone = make_family(database, "Parks", memo(22)).email
    grouping.assign_pending(database, 0.9)
    index(database, client)
    request_id = make_request(database)
    added = client.post(f"/api/v1/requests/{request_id}/review-set/documents", headers=clerk,
                        json={"document_ids": [str(d) for d in (pivot, *copies, alone)]})
    assert added.status_code == 200, added.text
    group = group_of(database, pivot)
    assert group is not None and all(group_of(database, c) == group for c in copies)
    return Review(request_id, group, pivot, copies, alone)


def tags(database: Database) -> set[tuple[uuid.UUID, str]]:
    with database.reading() as session:
        return {(t.document_id, t.tag.value) for t in session.scalars(select(ReviewTag))}


def tag_url(review: Review, group: uuid.UUID) -> str:
    return (f"/api/v1/requests/{review.request_id}/review-set/near-duplicate-groups/"
            f"{group}/tags")


def test_one_tag_goes_to_every_member_in_one_audited_action(
        client: TestClient, clerk: Headers, review: Review, database: Database) -> None:
    answer = client.post(tag_url(review, review.copies[0]), headers=clerk,  # a member's id
                         json={"tag": "responsive", "note": "same memo"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["changed"] == 3
    members = {review.pivot, *review.copies}
    assert tags(database) == {(m, "responsive") for m in members}
    entry = audit_entries(database)[-1]
    assert entry.action == "review_tag.propagate"
    assert entry.actor.startswith("user:") or entry.actor
    assert entry.details["near_duplicates"]["group_id"] == str(review.group_id)
    assert sorted(entry.details["near_duplicates"]["members"]) == sorted(map(str, members))
    assert {c["document_id"] for c in entry.details["changes"]} == set(map(str, members))
    assert all(c["before"] is None for c in entry.details["changes"])

    listed = client.get(f"/api/v1/requests/{review.request_id}/review-set/"
                        "near-duplicate-groups", headers=clerk).json()
    assert [(g["id"], g["size"], g["in_review_set"]) for g in listed["items"]] == [
        (str(review.group_id), 3, 3)]


@pytest.mark.parametrize("case", ["unknown", "group_of_one", "not_allowed", "no_citation"])
def test_bad_propagations_change_nothing(case: str, client: TestClient, clerk: Headers,
                                         attorney: Headers, review: Review,
                                         database: Database) -> None:
    group, body, status, code = {
        "unknown": (uuid.uuid4(), {"tag": "responsive"}, 404, "not_found"),
        "group_of_one": (review.alone, {"tag": "responsive"}, 400, "group_of_one"),
        "not_allowed": (review.group_id, {"tag": "privileged"}, 403, "forbidden"),
        "no_citation": (review.group_id, {"tag": "exempt"}, 400, "citation_required"),
    }[case]
    before = audit_count(database)
    who = attorney if case == "no_citation" else clerk
    answer = client.post(tag_url(review, group), headers=who, json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert answer.json()["detail"]
    assert tags(database) == set()
    assert audit_count(database) == before


def _accepted_ssn(client: TestClient, clerk: Headers, review: Review, database: Database) -> str:
    return _accepted(client, clerk, review, review.pivot, SSN)


def _accepted(client: TestClient, clerk: Headers, review: Review, document: uuid.UUID,
              words: str) -> str:
    content = client.get(f"/api/v1/documents/{document}", headers=clerk).json()["text"]
    start = content.index(words)
    made = client.post(f"/api/v1/documents/{document}/redactions", headers=clerk, json={
        "start": start, "end": start + len(words), "reason": "Social security number",
        "citation": CITATION, "request_id": str(review.request_id)})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_one_redaction_goes_to_every_member_in_one_audited_action(
        client: TestClient, clerk: Headers, review: Review, database: Database) -> None:
    redaction = _accepted_ssn(client, clerk, review, database)
    answer = client.post(f"/api/v1/near-duplicate-groups/{review.group_id}/redactions",
                         headers=clerk, json={"redaction_id": redaction})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert sorted(m["document_id"] for m in found["members"]) == sorted(map(str, review.copies))
    assert all(m["added"] == 1 for m in found["members"]) and found["not_found"] == []
    with database.reading() as session:
        rows = list(session.scalars(select(Redaction).where(Redaction.detector == "near_duplicate")))
    assert {r.document_id for r in rows} == set(review.copies)
    assert all(r.quote == SSN and r.status.value == "accepted" and r.citation_code == CITATION
               for r in rows)
    entry = audit_entries(database)[-1]
    assert entry.action == "redaction.propagate" and entry.object_id == str(review.group_id)
    assert sorted(entry.details["members"]) == sorted(map(str, [review.pivot, *review.copies]))
    assert SSN not in str(entry.details)  # the trail carries the quote's shape, never the quote

    again = client.post(f"/api/v1/near-duplicate-groups/{review.group_id}/redactions",
                        headers=clerk, json={"redaction_id": redaction})
    assert all(m["already"] == 1 and m["added"] == 0 for m in again.json()["members"])


@pytest.mark.parametrize("case", ["unknown_redaction", "group_of_one", "not_on_group",
                                  "unknown_group"])
def test_bad_redaction_propagations_change_nothing(case: str, client: TestClient,
                                                   clerk: Headers, review: Review,
                                                   database: Database) -> None:
    redaction = _accepted_ssn(client, clerk, review, database)
    elsewhere = _accepted(client, clerk, review, review.alone, "committee")
    group, chosen, status, code = {
        "unknown_redaction": (review.group_id, str(uuid.uuid4()), 404, "not_found"),
        "group_of_one": (review.alone, redaction, 400, "group_of_one"),
        "not_on_group": (review.group_id, elsewhere, 400, "bad_request"),
        "unknown_group": (uuid.uuid4(), redaction, 404, "not_found"),
    }[case]
    before = audit_count(database)
    with database.reading() as session:
        count = len(session.scalars(select(Redaction)).all())
    answer = client.post(f"/api/v1/near-duplicate-groups/{group}/redactions", headers=clerk,
                         json={"redaction_id": chosen})
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    with database.reading() as session:
        assert len(session.scalars(select(Redaction)).all()) == count
    assert audit_count(database) == before


def test_a_members_group_and_its_differences_from_the_pivot(
        client: TestClient, clerk: Headers, auditor: Headers, review: Review) -> None:
    group = client.get(f"/api/v1/documents/{review.copies[0]}/near-duplicates", headers=clerk)
    assert group.status_code == 200, group.text
    shown = group.json()
    assert shown["id"] == str(review.group_id) and shown["size"] == 3
    assert shown["members"][0] == {**shown["members"][0], "document_id": str(review.pivot),
                                   "pivot": True, "similarity": 1.0}
    assert client.get(f"/api/v1/near-duplicate-groups/{review.group_id}",
                      headers=clerk).json() == shown
    diff = client.get(f"/api/v1/documents/{review.copies[0]}/near-duplicates/diff",
                      headers=clerk).json()
    changed = [(p["pivot"], p["member"]) for p in diff["parts"] if p["op"] != "same"]
    assert ("", "\nPlease send any corrections to the clerk before Friday.") in changed or any(
        "corrections" in member for _, member in changed)
    assert any(member == "reconsidered" for _, member in changed)
    assert not any(p["op"] != "same" and not (p["pivot"] + p["member"]).strip()
                   for p in diff["parts"])  # spacing alone is no difference
    assert "".join(p["member"] for p in diff["parts"]).split() == \
        (edited(memo(21).replace("review number 21005.", f"employee SSN {SSN} on file."))).split()
    alone = client.get(f"/api/v1/documents/{uuid.uuid4()}/near-duplicates", headers=clerk)
    assert alone.status_code == 404
    assert client.get(f"/api/v1/documents/{review.pivot}/near-duplicates",
                      headers=auditor).status_code == 403
