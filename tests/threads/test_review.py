"""Inclusive e-mails in search and in a review set: find them, count what they save, and
reduce a set to them only where nothing is lost (audited)."""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.models import Document, ReviewSetItem, Role
from tests.conftest import MakeUser
from tests.ingest.conftest import RunIngest
from tests.review.factories import index, last_audit, make_request
from tests.threads.mail import eml
from tests.ui.conftest import signed_in

MAYOR, CLERK = "mayor@city.example", "clerk@city.example"
Headers = dict[str, str]
ORIGINAL = "Is the budget hearing on May 5?"


def catalog(run_ingest: RunIngest, database: Database, client: TestClient,
            tmp_path: Path) -> dict[str, Document]:
    box = tmp_path / "box"
    box.mkdir()
    files = {
        "a1": eml("Budget hearing", MAYOR, CLERK, 0, ORIGINAL, message_id="a1@city"),
        "a2": eml("Re: Budget hearing", CLERK, MAYOR, 1, "Yes.\n> " + ORIGINAL,
                  message_id="a2@city", in_reply_to="a1@city", references="a1@city"),
        "a3": eml("Re: Budget hearing", MAYOR, CLERK, 2, "Thanks.\n> Yes.\n>> " + ORIGINAL,
                  message_id="a3@city", in_reply_to="a2@city", references="a1@city a2@city"),
        "p1": eml("Parking", CLERK, MAYOR, 5, "Map attached.", message_id="p1@city",
                  attachments=(("map.pdf", b"%PDF-1.4 parking map"),)),
        "p2": eml("Re: Parking", MAYOR, CLERK, 6, "Approved.\n> Map attached.",
                  message_id="p2@city", in_reply_to="p1@city", references="p1@city"),
    }
    for name, data in files.items():
        (box / f"{name}.eml").write_bytes(data)
    run_ingest("clerk", box)
    index(database, client)
    with database.reading() as session:
        documents = session.scalars(select(Document).where(Document.parent_id.is_(None)))
        return {d.message_id.split("@")[0]: d for d in documents}


def url(request_id: uuid.UUID, tail: str = "") -> str:
    return f"/api/v1/requests/{request_id}/review-set{tail}"


def found(client: TestClient, clerk: Headers, query: str) -> set[str]:
    response = client.post("/api/v1/search", headers=clerk, json={"query": query, "size": 50})
    assert response.status_code == 200, response.text
    return {hit["document"]["id"] for hit in response.json()["hits"]}


def test_search_finds_a_thread_and_its_inclusive_emails(
        run_ingest: RunIngest, database: Database, client: TestClient, clerk: Headers,
        tmp_path: Path) -> None:
    docs = catalog(run_ingest, database, client, tmp_path)
    thread = docs["a1"].thread_id
    assert found(client, clerk, f"thread:{thread}") == {str(docs[k].id) for k in ("a1", "a2", "a3")}
    assert found(client, clerk, f"thread:{thread} inclusive:true") == {str(docs["a3"].id)}
    assert found(client, clerk, "inclusive:false") == {str(docs["a1"].id), str(docs["a2"].id)}
    response = client.post("/api/v1/search", headers=clerk, json={"query": "inclusive:maybe"})
    assert response.status_code == 400 and "true or false" in response.text


def test_a_review_set_is_reduced_to_its_inclusive_emails(
        run_ingest: RunIngest, database: Database, client: TestClient, clerk: Headers,
        tmp_path: Path) -> None:
    docs = catalog(run_ingest, database, client, tmp_path)
    request_id = make_request(database)
    query = f"thread:{docs['a1'].thread_id} OR thread:{docs['p1'].thread_id}"
    assert client.post(url(request_id, "/searches"), headers=clerk,
                       json={"query": query}).json()["total"] == 6  # with p1's map
    preview = client.get(url(request_id, "/inclusive"), headers=clerk).json()
    assert preview == {"emails": 5, "inclusive": 3, "removable_emails": 2, "kept_tagged": 0,
                       "removed": 0, "total": 6}
    response = client.post(url(request_id, "/reduce-to-inclusive"), headers=clerk)
    assert response.status_code == 200, response.text
    assert response.json() == {**preview, "removed": 2, "total": 4}
    with database.reading() as session:
        left = set(session.scalars(select(ReviewSetItem.document_id).where(
            ReviewSetItem.request_id == request_id)))
    assert docs["a1"].id not in left and docs["a2"].id not in left
    assert {docs["a3"].id, docs["p1"].id, docs["p2"].id} <= left
    entry = last_audit(database)
    assert entry.action == "review_set.reduce_to_inclusive" and entry.details["removed"] == 2
    assert sorted(entry.details["document_ids"]) == sorted(str(docs[k].id) for k in ("a1", "a2"))


def test_nothing_is_taken_out_that_the_set_does_not_hold_elsewhere(
        run_ingest: RunIngest, database: Database, client: TestClient, clerk: Headers,
        tmp_path: Path) -> None:
    docs = catalog(run_ingest, database, client, tmp_path)
    request_id = make_request(database)
    ids = [str(docs[k].id) for k in ("a1", "a2", "a3")]
    client.post(url(request_id, "/documents"), headers=clerk, json={"document_ids": ids})
    tagged = client.post(url(request_id, "/tags"), headers=clerk,
                         json={"tag": "responsive", "document_ids": [ids[1]]})
    assert tagged.status_code == 200, tagged.text
    client.post(url(request_id, "/remove"), headers=clerk, json={"document_ids": [ids[2]]})
    # a3, which holds a1 and a2, is out of the set: both stay; a2 is tagged besides.
    reduced = client.post(url(request_id, "/reduce-to-inclusive"), headers=clerk).json()
    assert reduced["removed"] == 0 and reduced["total"] == 2
    client.post(url(request_id, "/documents"), headers=clerk, json={"document_ids": [ids[2]]})
    reduced = client.post(url(request_id, "/reduce-to-inclusive"), headers=clerk).json()
    assert (reduced["removed"], reduced["kept_tagged"], reduced["total"]) == (1, 1, 2)


def test_reduction_of_an_unknown_request_is_refused(client: TestClient, clerk: Headers) -> None:
    response = client.post(url(uuid.uuid4(), "/reduce-to-inclusive"), headers=clerk)
    assert response.status_code == 404


def test_an_auditor_may_look_but_not_reduce(
        run_ingest: RunIngest, database: Database, client: TestClient, clerk: Headers,
        auditor: Headers, tmp_path: Path) -> None:
    docs = catalog(run_ingest, database, client, tmp_path)
    request_id = make_request(database)
    client.post(url(request_id, "/documents"), headers=clerk,
                json={"document_ids": [str(d.id) for d in docs.values()]})
    assert client.get(url(request_id, "/inclusive"), headers=auditor).json()["emails"] == 5
    refused = client.post(url(request_id, "/reduce-to-inclusive"), headers=auditor)
    assert refused.status_code == 403
    assert client.get(url(request_id, "/inclusive"), headers=clerk).json()["total"] == 6


def test_the_document_view_lists_its_thread(
        run_ingest: RunIngest, database: Database, client: TestClient, clerk: Headers,
        tmp_path: Path) -> None:
    docs = catalog(run_ingest, database, client, tmp_path)
    shown = client.get(f"/api/v1/documents/{docs['a2'].id}", headers=clerk).json()
    assert shown["inclusive"] is False and shown["thread_id"] == docs["a1"].thread_id
    assert [(m["id"], m["inclusive"]) for m in shown["thread"]] == [
        (str(docs["a1"].id), False), (str(docs["a2"].id), False), (str(docs["a3"].id), True)]
    attachment = client.get(f"/api/v1/documents/{docs['p1'].id}", headers=clerk).json()
    child = next(m for m in attachment["family"] if m["parent_id"])
    assert client.get(f"/api/v1/documents/{child['id']}", headers=clerk).json()["thread"] == []


def test_the_viewer_page_shows_the_thread(
        run_ingest: RunIngest, database: Database, client: TestClient, make_user: MakeUser,
        tmp_path: Path) -> None:
    docs = catalog(run_ingest, database, client, tmp_path)
    signed_in(client, make_user(Role.clerk))
    page = client.get(f"/documents/{docs['a2'].id}")
    assert page.status_code == 200, page.text
    section = page.text[page.text.index("Its thread"):page.text.index("Where it was found")]
    assert section.index("Budget hearing") < section.index(f"/documents/{docs['a3'].id}")
    assert section.count("held whole by a later message") == 2 and "· inclusive" in section
    alone = client.get(f"/documents/{docs['p1'].id}").text
    assert "Its thread" in alone  # p1 and p2 are one thread of two
