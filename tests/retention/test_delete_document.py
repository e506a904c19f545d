"""DELETE /documents/{id}: an administrator purges one family, never a held one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.core.settings import Settings
from app.models import PurgedDocument, Role, User
from ingest.runtime import Runtime
from tests.conftest import MakeUser, find_phrase
from tests.retention.conftest import Headers, RunIngest, family_ids, head, hold, snapshot


def test_a_held_document_is_refused_with_its_holds_and_nothing_changes(
        api: TestClient, admin: Headers, database: Database, settings: Settings,
        run_ingest: RunIngest, runtime: Runtime, mailbox: Path) -> None:
    run_ingest("mdelgado", mailbox)
    pothole = head(database, "Pothole list")
    attachment = next(m for m in family_ids(database, pothole.id) if m != pothole.id)
    held = hold(database, "Elm Street v. City", pothole.id)
    before = snapshot(database, settings)
    for target in (pothole.id, attachment):  # the attachment is refused for its family's hold
        answer = api.delete(f"/api/v1/documents/{target}", headers=admin)
        assert answer.status_code == 409, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["code"] == "document_held"
        assert problem["holds"] == [{"hold_id": str(held), "matter_name": "Elm Street v. City"}]
        assert "Elm Street v. City" in problem["detail"] and str(held) in problem["detail"]
    assert snapshot(database, settings) == before
    assert find_phrase(runtime.engine, "Repave Elm street") == [str(pothole.id)]
    assert api.get("/api/v1/retention/runs", headers=admin).json()["total"] == 0


def test_an_admin_deletes_a_whole_family_by_any_member(
        api: TestClient, admin: Headers, database: Database, settings: Settings,
        run_ingest: RunIngest, runtime: Runtime, mailbox: Path,
        make_user: MakeUser, login: Callable[[User], Headers]) -> None:
    run_ingest("mdelgado", mailbox)
    pothole = head(database, "Pothole list")
    members = family_ids(database, pothole.id)
    attachment = next(m for m in members if m != pothole.id)
    clerk = login(make_user(Role.clerk))
    assert api.delete(f"/api/v1/documents/{attachment}", headers=clerk).status_code == 403
    answer = api.delete(f"/api/v1/documents/{attachment}", headers=admin)
    assert answer.status_code == 200, answer.text
    certificate = answer.json()["certificate"]
    assert certificate["reason"] == "single_document"
    assert sorted(d["id"] for d in certificate["families"][0]["documents"]) == sorted(
        str(m) for m in members)
    assert family_ids(database, pothole.id) == []
    with database.reading() as session:
        assert list(session.scalars(select(PurgedDocument.dedup_key))) == [pothole.dedup_key]
    assert find_phrase(runtime.engine, "Repave Elm street") == []
    assert api.get(f"/api/v1/documents/{pothole.id}", headers=admin).status_code == 404
    assert api.delete(f"/api/v1/documents/{pothole.id}", headers=admin).status_code == 404
    assert len(snapshot(database, settings)["ids"]) == 2


def test_a_family_takes_one_class_and_a_schedule_follows_it(
        api: TestClient, admin: Headers, database: Database, run_ingest: RunIngest,
        mailbox: Path, make_user: MakeUser, login: Callable[[User], Headers]) -> None:
    run_ingest("mdelgado", mailbox)
    pothole, parade = head(database, "Pothole list"), head(database, "Parade permit")
    with database.reading() as session:
        from app.models import Document

        classes = set(session.scalars(select(Document.record_class).where(
            Document.family_id == pothole.id)))
    assert classes == {"email"}  # the spreadsheet takes its e-mail's class
    clerk = login(make_user(Role.clerk))
    unknown = api.patch(f"/api/v1/retention/families/{pothole.id}", headers=clerk,
                        json={"record_class": "shredded"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_record_class"
    bad = api.patch(f"/api/v1/retention/families/{pothole.id}", headers=clerk,
                    json={"record_class": "Transitory!"})
    assert bad.status_code == 400 and bad.json()["code"] == "bad_record_class"
    attorney = login(make_user(Role.attorney))
    assert api.patch(f"/api/v1/retention/families/{pothole.id}", headers=attorney,
                     json={"record_class": "transitory"}).status_code == 403
    moved = api.patch(f"/api/v1/retention/families/{pothole.id}", headers=clerk,
                      json={"record_class": "transitory"})
    assert moved.status_code == 200 and moved.json()["documents"] == 2
    api.put("/api/v1/retention/schedules/transitory", headers=admin, json={"days": 1})
    api.put("/api/v1/retention/schedules/email", headers=admin, json={"days": 3650})
    run = api.post("/api/v1/retention/runs", headers=admin, json={}).json()
    assert [f["family_id"] for f in run["certificate"]["families"]] == [str(pothole.id)]
    assert run["certificate"]["families"][0]["record_class"] == "transitory"
    assert family_ids(database, parade.id) == [parade.id]
