"""Review tags: who may set which, citations in force, bulk by ids or query, progress."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.models import ReviewTag
from tests.review.factories import Family, audit_count, index, last_audit, make_family, make_request

Headers = dict[str, str]


@pytest.fixture
def review(database: Database, client: TestClient, clerk: Headers) -> tuple[uuid.UUID, Family,
                                                                           Family]:
    """A request whose review set holds two families."""
    budget = make_family(database, "Water budget draft", "the reservoir budget for 2027",
                         (("budget.txt", "reservoir spreadsheet totals"),))
    ssn = make_family(database, "Payroll correction", "employee SSN 123-45-6789 reservoir")
    make_family(database, "Parking", "parking permits for the garage")
    index(database, client)
    request_id = make_request(database)
    added = client.post(f"/api/v1/requests/{request_id}/review-set/searches", headers=clerk,
                        json={"query": "reservoir"})
    assert added.json()["total"] == 3
    return request_id, budget, ssn


def tags_url(request_id: uuid.UUID) -> str:
    return f"/api/v1/requests/{request_id}/review-set/tags"


def test_bulk_tags_by_ids_and_by_query_within_the_set_and_progress_counts(
    client: TestClient, clerk: Headers, review: tuple[uuid.UUID, Family, Family],
    database: Database,
) -> None:
    request_id, budget, ssn = review
    by_ids = client.post(tags_url(request_id), headers=clerk, json={
        "tag": "responsive", "document_ids": [str(d) for d in budget.ids]})
    assert by_ids.status_code == 200, by_ids.text
    assert by_ids.json() == {"tag": "responsive", "documents": 2, "changed": 2, "replaced": 0}
    # "parking" matches a document outside the review set: it is not tagged.
    by_query = client.post(tags_url(request_id), headers=clerk, json={
        "tag": "needs_redaction", "query": "SSN OR parking", "note": "SSN on page 1"})
    assert by_query.json()["documents"] == 1
    progress = client.get(f"/api/v1/requests/{request_id}/review-set/progress",
                          headers=clerk).json()
    assert progress == {"total": 3, "untagged": 0, "under_legal_hold": 0, "tags": {
        "responsive": 2, "not_responsive": 0, "privileged": 0, "exempt": 0,
        "needs_redaction": 1}}
    listed = client.get(f"/api/v1/requests/{request_id}/review-set", headers=clerk,
                        params={"tag": "needs_redaction"}).json()
    assert [i["document"]["id"] for i in listed["items"]] == [str(ssn.email)]
    assert listed["items"][0]["tags"][0]["note"] == "SSN on page 1"
    entry = last_audit(database)
    assert entry.action == "review_tag.set" and entry.details["query"] == "SSN OR parking"


def test_responsive_and_not_responsive_replace_each_other(
    client: TestClient, clerk: Headers, review: tuple[uuid.UUID, Family, Family],
) -> None:
    request_id, budget, _ = review
    one = [str(budget.email)]
    client.post(tags_url(request_id), headers=clerk, json={"tag": "responsive",
                                                           "document_ids": one})
    flipped = client.post(tags_url(request_id), headers=clerk,
                          json={"tag": "not_responsive", "document_ids": one})
    assert flipped.json()["replaced"] == 1
    same = client.post(tags_url(request_id), headers=clerk,
                       json={"tag": "not_responsive", "document_ids": one})
    assert same.json()["changed"] == 0  # nothing new: no audit entry, first decider stays
    progress = client.get(f"/api/v1/requests/{request_id}/review-set/progress",
                          headers=clerk).json()
    assert progress["tags"]["responsive"] == 0 and progress["tags"]["not_responsive"] == 1
    assert progress["untagged"] == 2


def test_exempt_needs_a_citation_in_force_and_stores_it(
    client: TestClient, clerk: Headers, attorney: Headers, admin: Headers,
    review: tuple[uuid.UUID, Family, Family], database: Database,
) -> None:
    request_id, _, ssn = review
    target = [str(ssn.email)]
    before = audit_count(database)
    refusals = [
        ({"tag": "exempt", "document_ids": target}, 400, "citation_required"),
        ({"tag": "exempt", "citation": "24-72-204(99)", "document_ids": target}, 400,
         "unknown_citation"),
        ({"tag": "exempt", "citation": "SSN", "document_ids": [str(uuid.uuid4())]}, 400,
         "not_in_review_set"),
        ({"tag": "exempt", "citation": "SSN", "query": "SSN AND ("}, 400, "query_syntax"),
        ({"tag": "exempt", "citation": "SSN", "query": "SSN", "document_ids": target}, 422,
         "validation_error"),
        ({"tag": "secret", "document_ids": target}, 422, "validation_error"),
    ]
    for body, status, code in refusals:
        response = client.post(tags_url(request_id), headers=attorney, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code, body
    cited = client.post(tags_url(request_id), headers=clerk,
                        json={"tag": "responsive", "citation": "SSN", "document_ids": target})
    assert cited.status_code == 400 and "cites nothing" in cited.json()["detail"]
    assert audit_count(database) == before

    done = client.post(tags_url(request_id), headers=attorney, json={
        "tag": "exempt", "citation": "SSN", "note": "redact the number", "document_ids": target})
    assert done.status_code == 200, done.text
    with database.reading() as session:
        tag = session.scalars(select(ReviewTag)).one()
    assert (tag.tag, tag.citation_code, tag.note) == ("exempt", "SSN", "redact the number")
    assert tag.citation_id is not None and tag.tagged_by.startswith("user-")

    # Retired, a citation can no longer be cited.
    listed = client.get("/api/v1/citations", headers=clerk, params={"limit": 100}).json()
    personnel = next(c for c in listed["items"] if c["code"] == "24-72-204(3)(a)(II)(A)")
    retired = client.patch(f"/api/v1/citations/{personnel['id']}", headers=admin,
                           json={"retired_on": "2000-01-01"})
    assert retired.status_code == 200 and retired.json()["in_force"] is False
    refused = client.post(tags_url(request_id), headers=attorney, json={
        "tag": "exempt", "citation": "24-72-204(3)(a)(II)(A)", "document_ids": target})
    assert refused.status_code == 400 and refused.json()["code"] == "citation_not_in_force"


def test_attorneys_set_privileged_and_exempt_only_and_auditors_nothing(
    client: TestClient, attorney: Headers, auditor: Headers,
    review: tuple[uuid.UUID, Family, Family], database: Database,
) -> None:
    request_id, budget, _ = review
    target = [str(budget.email)]
    for tag in ("responsive", "not_responsive", "needs_redaction"):
        response = client.post(tags_url(request_id), headers=attorney,
                               json={"tag": tag, "document_ids": target})
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    privileged = client.post(tags_url(request_id), headers=attorney, json={
        "tag": "privileged", "citation": "24-72-202(6.5)", "document_ids": target})
    assert privileged.status_code == 200, privileged.text
    assert client.post(tags_url(request_id), headers=auditor, json={
        "tag": "privileged", "document_ids": target}).status_code == 403
    remove = (f"/api/v1/requests/{request_id}/review-set/documents/{budget.email}"
              "/tags/privileged")
    assert client.delete(remove, headers=auditor).status_code == 403
    before = audit_count(database)
    assert client.delete(remove, headers=attorney).status_code == 204
    assert last_audit(database).action == "review_tag.remove"
    assert audit_count(database) == before + 1
    again = client.delete(remove, headers=attorney)
    assert again.status_code == 404 and again.json()["code"] == "not_found"


def test_only_attorneys_and_admins_withhold_a_whole_document_clerks_get_403(
    client: TestClient, clerk: Headers, attorney: Headers, admin: Headers,
    review: tuple[uuid.UUID, Family, Family], database: Database,
) -> None:
    request_id, budget, ssn = review
    target = [str(budget.email)]
    before = audit_count(database)
    for body in ({"tag": "privileged", "document_ids": target},
                 {"tag": "exempt", "citation": "SSN", "document_ids": target}):
        refused = client.post(tags_url(request_id), headers=clerk, json=body)
        assert refused.status_code == 403, refused.text
        assert "Only attorneys may mark a document" in refused.json()["detail"]
    assert audit_count(database) == before
    with database.reading() as session:
        assert session.scalars(select(ReviewTag)).all() == []
    assert client.post(tags_url(request_id), headers=attorney, json={
        "tag": "privileged", "document_ids": target}).status_code == 200
    remove = (f"/api/v1/requests/{request_id}/review-set/documents/{budget.email}"
              "/tags/privileged")
    assert client.delete(remove, headers=clerk).status_code == 403  # nor lift it
    assert client.post(tags_url(request_id), headers=admin, json={
        "tag": "exempt", "citation": "SSN", "document_ids": [str(ssn.email)]}).status_code == 200
    assert client.post(tags_url(request_id), headers=clerk, json={
        "tag": "responsive", "document_ids": target}).status_code == 200


def test_admins_maintain_citations_and_every_change_is_audited(
    client: TestClient, admin: Headers, clerk: Headers, database: Database,
) -> None:
    body = {"code": "24-72-204(3)(a)(XI)", "title": "Security arrangements",
            "kind": "mandatory", "effective_from": "2026-01-01"}
    assert client.post("/api/v1/citations", headers=clerk, json=body).status_code == 403
    created = client.post("/api/v1/citations", headers=admin, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["in_force"] is True
    assert last_audit(database).action == "citation.create"
    duplicate = client.post("/api/v1/citations", headers=admin, json=body)
    assert duplicate.status_code == 409
    before = audit_count(database)
    bad = client.patch(f"/api/v1/citations/{created.json()['id']}", headers=admin,
                       json={"retired_on": "2025-06-01"})  # before it took effect
    assert bad.status_code == 400 and audit_count(database) == before
    edited = client.patch(f"/api/v1/citations/{created.json()['id']}", headers=admin,
                          json={"title": "Specialized details of security arrangements"})
    assert edited.status_code == 200
    entry = last_audit(database)
    assert entry.action == "citation.update"
    assert entry.details["before"]["title"] == "Security arrangements"
    seeded = client.get("/api/v1/citations", headers=clerk, params={"limit": 100}).json()
    codes = {c["code"] for c in seeded["items"]}
    assert {"24-72-204(1)", "24-72-204(2)(a)(I)", "24-72-204(3)(a)(I)", "24-72-204(3)(a)(IV)",
            "SSN", "deliberative-process", "24-72-202(6.5)"} <= codes
