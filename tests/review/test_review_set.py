"""The review set over the API: searches and ids bring whole families, once; removal; paging."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.models import RequestStatus, ReviewSetItem
from tests.review.factories import (
    Family,
    audit_actions,
    audit_count,
    index,
    last_audit,
    make_family,
    make_request,
)

Headers = dict[str, str]


@pytest.fixture
def corpus(database: Database, client: TestClient) -> dict[str, Family]:
    found = {
        "budget": make_family(database, "Water budget draft", "the reservoir budget for 2027",
                              (("budget.txt", "reservoir spreadsheet totals"),
                               ("memo.txt", "council memo on rates"))),
        "picnic": make_family(database, "Picnic", "the staff picnic is on friday",
                              (("map.txt", "park map and the reservoir trail"),)),
        "other": make_family(database, "Parking", "parking permits for the garage"),
    }
    index(database, client)
    return found


def url(request_id: uuid.UUID, tail: str = "") -> str:
    return f"/api/v1/requests/{request_id}/review-set{tail}"


def test_a_search_adds_its_hits_with_their_families_once(
    client: TestClient, clerk: Headers, corpus: dict[str, Family], database: Database,
) -> None:
    request_id = make_request(database)
    response = client.post(url(request_id, "/searches"), headers=clerk,
                           json={"query": "reservoir"})
    assert response.status_code == 200, response.text
    added = response.json()
    # Hits: the budget e-mail, its budget.txt, and the picnic's map.txt (an attachment).
    assert added["hits"] == 3
    assert added["added"] == 5 and added["added_as_family"] == 2 and added["total"] == 5
    with database.reading() as session:
        rows = {r.document_id: r for r in session.scalars(select(ReviewSetItem))}
    assert set(rows) == corpus["budget"].ids | corpus["picnic"].ids
    assert rows[corpus["picnic"].email].via_family  # the attachment brought its e-mail
    assert rows[corpus["budget"].attachments[1]].via_family  # the e-mail brought its memo
    assert not rows[corpus["budget"].email].via_family
    assert {r.query for r in rows.values()} == {"reservoir"}
    assert audit_actions(database)[-2:] == ["search.run", "review_set.add"]
    assert last_audit(database).details["added"] == 5

    again = client.post(url(request_id, "/searches"), headers=clerk, json={"query": "reservoir"})
    assert again.json()["added"] == 0 and again.json()["already_in_set"] == 5
    assert again.json()["total"] == 5


def test_documents_added_by_id_bring_their_families(
    client: TestClient, clerk: Headers, corpus: dict[str, Family], database: Database,
) -> None:
    request_id = make_request(database)
    attachment = corpus["budget"].attachments[0]
    response = client.post(url(request_id, "/documents"), headers=clerk,
                           json={"document_ids": [str(attachment)]})
    assert response.status_code == 200, response.text
    assert response.json()["added"] == 3 and response.json()["query"] == ""
    page = client.get(url(request_id), headers=clerk).json()
    assert page["total"] == 3
    assert {i["document"]["id"] for i in page["items"]} == {str(d) for d in corpus["budget"].ids}
    assert all(i["tags"] == [] for i in page["items"])


def test_the_review_set_pages(
    client: TestClient, clerk: Headers, corpus: dict[str, Family], database: Database,
) -> None:
    request_id = make_request(database)
    client.post(url(request_id, "/searches"), headers=clerk, json={"query": "reservoir"})
    first = client.get(url(request_id), headers=clerk, params={"limit": 2}).json()
    rest = client.get(url(request_id), headers=clerk, params={"limit": 2, "offset": 2}).json()
    last = client.get(url(request_id), headers=clerk, params={"limit": 2, "offset": 4}).json()
    assert first["total"] == 5 and len(first["items"]) == 2 and len(last["items"]) == 1
    seen = [i["document"]["id"] for p in (first, rest, last) for i in p["items"]]
    assert len(set(seen)) == 5


def test_removing_takes_the_family_and_its_tags(
    client: TestClient, clerk: Headers, corpus: dict[str, Family], database: Database,
) -> None:
    request_id = make_request(database)
    client.post(url(request_id, "/searches"), headers=clerk, json={"query": "reservoir"})
    map_id = str(corpus["picnic"].attachments[0])
    tagged = client.post(url(request_id, "/tags"), headers=clerk,
                         json={"tag": "not_responsive", "document_ids": [map_id]})
    assert tagged.status_code == 200, tagged.text
    response = client.post(url(request_id, "/remove"), headers=clerk,
                           json={"document_ids": [map_id]})
    assert response.status_code == 200, response.text
    assert response.json() == {"removed": 2, "tags_removed": 1, "total": 3}
    assert last_audit(database).action == "review_set.remove"

    only = client.post(url(request_id, "/remove"), headers=clerk,
                       json={"document_ids": [str(corpus["budget"].attachments[1])],
                             "with_family": False})
    assert only.json() == {"removed": 1, "tags_removed": 0, "total": 2}


def test_bad_input_is_refused_and_changes_nothing(
    client: TestClient, clerk: Headers, corpus: dict[str, Family], database: Database,
) -> None:
    request_id = make_request(database)
    client.post(url(request_id, "/documents"), headers=clerk,
                json={"document_ids": [str(corpus["budget"].email)]})
    before = audit_count(database)
    cases = [
        (url(request_id, "/searches"), {"query": "reservoir AND ("}, 400, "query_syntax"),
        (url(request_id, "/searches"), {"query": ""}, 422, "validation_error"),
        (url(request_id, "/documents"), {"document_ids": [str(uuid.uuid4())]}, 400,
         "unknown_documents"),
        (url(request_id, "/remove"), {"document_ids": [str(corpus["other"].email)]}, 400,
         "not_in_review_set"),
        (url(uuid.uuid4(), "/searches"), {"query": "reservoir"}, 404, "not_found"),
        (url(request_id, "/documents"), {"document_ids": ["not-a-uuid"]}, 422,
         "validation_error"),
    ]
    for path, body, status, code in cases:
        response = client.post(path, headers=clerk, json=body)
        assert response.status_code == status, (path, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code
    assert audit_count(database) == before
    assert client.get(url(request_id, "/progress"), headers=clerk).json()["total"] == 3


def test_roles_clerks_manage_attorneys_and_auditors_read(
    client: TestClient, clerk: Headers, attorney: Headers, auditor: Headers,
    corpus: dict[str, Family], database: Database,
) -> None:
    request_id = make_request(database, RequestStatus.in_progress)
    body = {"query": "reservoir"}
    for headers in (attorney, auditor):
        refused = client.post(url(request_id, "/searches"), headers=headers, json=body)
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        assert client.get(url(request_id), headers=headers).status_code == 200
        assert client.get(url(request_id, "/progress"), headers=headers).status_code == 200
    assert client.get(url(request_id)).status_code == 401
    assert client.post(url(request_id, "/searches"), json=body).status_code == 401
    assert client.post(url(request_id, "/searches"), headers=clerk, json=body).status_code == 200
