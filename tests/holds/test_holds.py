"""Holds from draft to release: what they hold, kept current, and nothing deletes it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.core.db import Database
from app.holds.guard import Held, refuse_if_held
from app.models import AuditEntry, Document, HeldDocument, Role
from tests.holds.conftest import (
    Headers,
    Ingest,
    create_hold,
    held_rows,
    held_subjects,
    issue,
    release,
)
from tests.review.factories import make_request

MARCH = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
JUNE = datetime(2026, 6, 9, 16, 0, tzinfo=UTC)


@pytest.fixture
def city(ingest_mail: Ingest, person: Callable[[str, str], uuid.UUID]) -> dict[str, str]:
    """Two custodians' mail: Dana's (one message with an attachment) and Lee's."""
    people = {"dana": str(person("Dana Reyes", "dreyes")),
              "lee": str(person("Lee Okafor", "lokafor"))}
    ingest_mail("dreyes", {"Pothole claim": (MARCH, b"claim notes"), "Budget": (JUNE, None)})
    ingest_mail("dreyes", {"Paving contract": (JUNE, None)}, source="archive")
    ingest_mail("lokafor", {"Picnic": (MARCH, None)})
    return people


def actions(database: Database) -> list[str]:
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("hold.%")).order_by(AuditEntry.seq)))


def test_a_draft_holds_nothing_and_issuing_holds_whole_families_of_its_custodians(
        client: TestClient, database: Database, attorney: Headers, city: dict[str, str]) -> None:
    hold = create_hold(client, attorney, custodians=[city["dana"]])
    assert (hold["status"], hold["documents_held"]) == ("draft", 0) and held_rows(database) == 0
    issued = issue(client, attorney, hold)
    assert issued["status"] == "active" and issued["issued_at"]
    assert held_subjects(database) == {"Pothole claim", "file:notes.txt", "Budget",
                                       "Paving contract"}
    assert issued["documents_held"] == 4
    breakdown = client.get(f"/api/v1/holds/{hold['id']}/documents", headers=attorney).json()
    assert breakdown == [{"custodian": "dreyes", "source": s, "documents": n}
                         for s, n in sorted(_sources(database).items())]
    assert actions(database) == ["hold.create", "hold.issue", "hold.notices_send"]


def _sources(database: Database) -> dict[str, int]:
    with database.reading() as session:
        rows = session.execute(text(
            "SELECT source, COUNT(*) FROM locations WHERE custodian = 'dreyes' GROUP BY source"))
        return {source: count for source, count in rows}


def test_dates_sources_and_query_narrow_the_scope(
        client: TestClient, database: Database, attorney: Headers, city: dict[str, str]) -> None:
    spring = issue(client, attorney, create_hold(
        client, attorney, custodians=[city["dana"]], date_to="2026-03-31"))
    assert held_subjects(database, str(spring["id"])) == {"Pothole claim", "file:notes.txt"}
    archive = [s for s in _sources(database) if "archive" in s]
    archived = issue(client, attorney, create_hold(
        client, attorney, custodians=[city["dana"]], sources=archive))
    assert held_subjects(database, str(archived["id"])) == {"Paving contract"}
    searched = issue(client, attorney, create_hold(
        client, attorney, custodians=[city["dana"], city["lee"]], query="subject:budget"))
    assert held_subjects(database, str(searched["id"])) == {"Budget"}


def test_mail_that_lands_later_for_a_held_custodian_is_held_as_it_is_stored(
        client: TestClient, database: Database, attorney: Headers, city: dict[str, str],
        ingest_mail: Ingest) -> None:
    hold = issue(client, attorney, create_hold(client, attorney, custodians=[city["dana"]],
                                               date_from="2026-01-01"))
    ingest_mail("dreyes", {"Settlement offer": (JUNE, b"offer terms")})
    ingest_mail("lokafor", {"Softball": (JUNE, None)})
    ingest_mail("dreyes", {"Old memo": (datetime(2025, 5, 1, tzinfo=UTC), None)})
    assert {"Settlement offer", "file:notes.txt"} <= held_subjects(database, str(hold["id"]))
    assert not {"Softball", "Old memo"} & held_subjects(database)
    assert "hold.documents_add" in actions(database)


def test_overlapping_holds_release_only_what_no_other_active_hold_covers(
        client: TestClient, database: Database, attorney: Headers, city: dict[str, str]) -> None:
    wide = issue(client, attorney, create_hold(client, attorney, custodians=[city["dana"]]))
    narrow = issue(client, attorney, create_hold(client, attorney, matter_name="Paving audit",
                                                 custodians=[city["dana"]], query="paving"))
    released = release(client, attorney, wide)
    assert released["status"] == "released" and released["released_reason"] == "Case settled."
    assert held_subjects(database) == {"Paving contract"}
    release(client, attorney, narrow)
    assert held_rows(database) == 0


def test_a_rescope_of_an_active_hold_recomputes_it_and_bumps_its_scope_version(
        client: TestClient, database: Database, attorney: Headers, city: dict[str, str]) -> None:
    hold = issue(client, attorney, create_hold(client, attorney, custodians=[city["dana"]]))
    response = client.patch(f"/api/v1/holds/{hold['id']}", headers=attorney, json={
        "version": hold["version"], "custodians": [city["lee"]]})
    assert response.status_code == 200, response.text
    assert response.json()["scope_version"] == 2
    assert held_subjects(database) == {"Picnic"}
    renamed = client.patch(f"/api/v1/holds/{hold['id']}", headers=attorney, json={
        "version": response.json()["version"], "matter_number": "2026CV0042"}).json()
    assert renamed["scope_version"] == 2 and renamed["matter_number"] == "2026CV0042"
    assert actions(database)[-3:] == ["hold.rescope", "hold.notices_send", "hold.update"]


def test_a_held_document_cannot_be_deleted_by_the_domain_or_by_the_database(
        client: TestClient, database: Database, attorney: Headers, city: dict[str, str]) -> None:
    hold = issue(client, attorney, create_hold(client, attorney, matter_number="2026CV0042",
                                               custodians=[city["dana"]]))
    with database.reading() as session:
        held = list(session.scalars(select(HeldDocument.document_id)))
        free = session.scalars(select(Document.id).where(Document.id.not_in(held))).first()
    with database.reading() as session, pytest.raises(Held) as refused:
        refuse_if_held(session, [held[0], free], "purge these documents")
    assert refused.value.extra["holds"][0]["matter_number"] == "2026CV0042"
    assert "Reyes v. Springvale" in refused.value.detail
    for table, column in (("document_texts", "document_id"), ("documents", "id")):
        with pytest.raises((DBAPIError, IntegrityError), match="legal hold"), \
                database.transaction() as session:
            session.execute(text(f"DELETE FROM {table} WHERE {column} = :id"),
                            {"id": _bound(database, held[0])})
    with database.reading() as session:
        assert session.get(Document, held[0]) is not None
    release(client, attorney, hold)


def _bound(database: Database, document_id: uuid.UUID) -> str:
    return document_id.hex if database.backend == "sqlite" else str(document_id)


def test_only_attorneys_manage_holds_auditors_read_and_nobody_else_sees_them(
        client: TestClient, attorney: Headers, headers_for: Callable[[Role], Headers],
        city: dict[str, str]) -> None:
    hold = create_hold(client, attorney, custodians=[city["dana"]])
    auditor, clerk = headers_for(Role.auditor), headers_for(Role.clerk)
    assert client.get("/api/v1/holds", headers=auditor).json()["total"] == 1
    assert client.get(f"/api/v1/holds/{hold['id']}", headers=auditor).status_code == 200
    for headers in (auditor, clerk):
        assert client.post("/api/v1/holds", headers=headers,
                           json={"matter_name": "x"}).status_code == 403
        assert client.post(f"/api/v1/holds/{hold['id']}/issue", headers=headers,
                           json={"version": 1}).status_code == 403
    assert client.get("/api/v1/holds", headers=clerk).status_code == 403
    assert client.get("/api/v1/holds").status_code == 401


@pytest.mark.parametrize(("body", "status", "says"), [
    ({"custodians": ["00000000-0000-4000-8000-000000000000"]}, 400, "No person"),
    ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, 400, "after its date_to"),
    ({"query": "subject:(budget"}, 400, ""),
    ({"matter_name": ""}, 422, ""),
    ({"attorney": "someone-else"}, 422, ""),
    ({"date_from": 20260501}, 422, ""),
])
def test_a_bad_hold_is_refused_clearly_and_nothing_is_created(
        client: TestClient, database: Database, attorney: Headers, city: dict[str, str],
        body: dict[str, object], status: int, says: str) -> None:
    before = actions(database)
    response = client.post("/api/v1/holds", headers=attorney,
                           json={"matter_name": "Reyes v. Springvale", **body})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert says in response.json()["detail"]
    assert client.get("/api/v1/holds", headers=attorney).json()["total"] == 0
    assert actions(database) == before


def test_the_workflow_refuses_what_its_state_does_not_allow_and_changes_nothing(
        client: TestClient, database: Database, attorney: Headers, city: dict[str, str]) -> None:
    empty = create_hold(client, attorney)
    refused = client.post(f"/api/v1/holds/{empty['id']}/issue", headers=attorney,
                          json={"version": 1})
    assert refused.status_code == 409 and "custodian" in refused.json()["detail"]
    hold = create_hold(client, attorney, custodians=[city["dana"]])
    assert client.post(f"/api/v1/holds/{hold['id']}/release", headers=attorney,
                       json={"version": 1, "reason": "x"}).status_code == 409
    stale = client.patch(f"/api/v1/holds/{hold['id']}", headers=attorney,
                         json={"version": 7, "description": "lost update"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 1
    nulled = client.patch(f"/api/v1/holds/{hold['id']}", headers=attorney,
                          json={"version": 1, "matter_name": None})
    assert nulled.status_code == 422 and "may not be null" in nulled.text
    issued = issue(client, attorney, hold)
    again = client.post(f"/api/v1/holds/{hold['id']}/issue", headers=attorney,
                        json={"version": issued["version"]})
    assert again.status_code == 409
    emptied = client.patch(f"/api/v1/holds/{hold['id']}", headers=attorney,
                           json={"version": issued["version"], "custodians": []})
    assert emptied.status_code == 409 and "at least one custodian" in emptied.json()["detail"]
    released = release(client, attorney, issued)
    frozen = client.patch(f"/api/v1/holds/{hold['id']}", headers=attorney,
                          json={"version": released["version"], "description": "later"})
    assert frozen.status_code == 409 and "released" in frozen.json()["detail"]
    unknown = client.post(f"/api/v1/holds/{uuid.uuid4()}/issue", headers=attorney,
                          json={"version": 1})
    assert unknown.status_code == 404
    assert client.get(f"/api/v1/holds/{hold['id']}", headers=attorney).json()["description"] == ""
    assert held_rows(database) == 0


def test_a_clerk_sees_that_review_set_documents_are_held_but_not_by_which_matter(
        client: TestClient, database: Database, attorney: Headers, city: dict[str, str],
        headers_for: Callable[[Role], Headers]) -> None:
    issue(client, attorney, create_hold(client, attorney, matter_name="Secret matter",
                                        custodians=[city["dana"]], query="pothole"))
    clerk = headers_for(Role.clerk)
    request_id = make_request(database)
    added = client.post(f"/api/v1/requests/{request_id}/review-set/searches", headers=clerk,
                        json={"query": "pothole OR picnic"})
    assert added.status_code == 200, added.text
    progress = client.get(f"/api/v1/requests/{request_id}/review-set/progress",
                          headers=clerk).json()
    assert (progress["total"], progress["under_legal_hold"]) == (3, 2)  # claim, notes; picnic
    listed = client.get(f"/api/v1/requests/{request_id}/review-set", headers=clerk)
    flags = {item["document"]["subject"] or item["document"]["filename"]:
             item["under_legal_hold"] for item in listed.json()["items"]}
    assert flags == {"Pothole claim": True, "notes.txt": True, "Picnic": False}
    assert "Secret matter" not in listed.text + str(progress)


def test_a_clerk_collects_a_requests_records_from_the_people_it_names(
        client: TestClient, database: Database, city: dict[str, str],
        headers_for: Callable[[Role], Headers]) -> None:
    """Requests use the directory too: a review-set search within some people's mail."""
    clerk, request_id = headers_for(Role.clerk), make_request(database)
    url = f"/api/v1/requests/{request_id}/review-set/searches"
    added = client.post(url, headers=clerk, json={"query": "pothole OR picnic",
                                                  "people": [city["lee"]]})
    assert added.status_code == 200, added.text
    listed = client.get(f"/api/v1/requests/{request_id}/review-set", headers=clerk).json()
    assert [i["document"]["subject"] for i in listed["items"]] == ["Picnic"]
    unknown = client.post(url, headers=clerk, json={"query": "budget",
                                                    "people": [str(uuid.uuid4())]})
    assert unknown.status_code == 400 and "No person" in unknown.json()["detail"]
    assert client.get(f"/api/v1/requests/{request_id}/review-set/progress",
                      headers=clerk).json()["total"] == 1
