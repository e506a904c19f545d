"""Admins keep the schedules: CRUD, who may, and bad input that changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.models import AuditEntry, RetentionSchedule, Role, User
from tests.conftest import MakeUser
from tests.retention.conftest import Headers

URL = "/api/v1/retention/schedules"


def stored(database: Database) -> dict[str, int | None]:
    with database.reading() as session:
        return {s.record_class: s.days for s in session.scalars(select(RetentionSchedule))}


def test_schedule_crud_is_audited_with_before_and_after(api: TestClient, admin: Headers,
                                                        database: Database) -> None:
    listed = api.get(URL, headers=admin).json()
    assert listed["schedules"] == [] and {"email", "voicemail", "transitory"} <= set(
        listed["classes"])
    assert api.put(f"{URL}/email", headers=admin, json={"days": 30}).json()["days"] == 30
    assert api.put(f"{URL}/email", headers=admin, json={"days": 7}).json()["days"] == 7
    added = api.put(f"{URL}/council-minutes", headers=admin, json={"days": None})
    assert added.status_code == 200 and added.json()["days"] is None  # a class, kept forever
    assert "council-minutes" in api.get(URL, headers=admin).json()["classes"]
    assert api.get(f"{URL}/email", headers=admin).json()["days"] == 7
    assert api.delete(f"{URL}/email", headers=admin).status_code == 204
    missing = api.get(f"{URL}/email", headers=admin)
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_record_class"
    assert stored(database) == {"council-minutes": None}
    with database.reading() as session:
        entries = list(session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "retention_schedule").order_by(AuditEntry.seq)))
    assert [(e.action, e.details.get("before"), e.details.get("after")) for e in entries] == [
        ("retention.schedule_set", None, {"record_class": "email", "days": 30}),
        ("retention.schedule_set", {"record_class": "email", "days": 30},
         {"record_class": "email", "days": 7}),
        ("retention.schedule_set", None, {"record_class": "council-minutes", "days": None}),
        ("retention.schedule_delete", {"record_class": "email", "days": 7}, None),
    ]
    assert all(e.actor != "" and e.client_address == "203.0.113.7" for e in entries)


@pytest.mark.parametrize("role", [Role.clerk, Role.attorney, Role.auditor])
def test_only_admins_set_schedules_or_run_purges(api: TestClient, make_user: MakeUser,
                                                 login: Callable[[User], Headers],
                                                 database: Database, role: Role) -> None:
    headers = login(make_user(role))
    answers = [api.get(URL, headers=headers), api.get(f"{URL}/email", headers=headers),
               api.put(f"{URL}/email", headers=headers, json={"days": 1}),
               api.delete(f"{URL}/email", headers=headers),
               api.post("/api/v1/retention/runs", headers=headers, json={"dry_run": True}),
               api.delete("/api/v1/documents/00000000-0000-0000-0000-000000000001",
                          headers=headers)]
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers)
    runs = api.get("/api/v1/retention/runs", headers=headers)
    assert runs.status_code == (200 if role == Role.auditor else 403)
    assert stored(database) == {}
    assert api.put(f"{URL}/email", json={"days": 1}).status_code == 401


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("email", {"days": -1}, 422, "validation_error"),
    ("email", {"days": 0}, 422, "validation_error"),
    ("email", {"days": 36_501}, 422, "validation_error"),
    ("email", {"days": "30"}, 422, "validation_error"),
    ("email", {"days": 1.5}, 422, "validation_error"),
    ("email", {"days": 30, "purge": True}, 422, "validation_error"),
    ("Email!", {"days": 30}, 400, "bad_record_class"),
    ("x" * 65, {"days": 30}, 400, "bad_record_class"),
    ("9lives", {"days": 30}, 400, "bad_record_class"),
])
def test_bad_schedules_are_refused_and_change_nothing(
        api: TestClient, admin: Headers, database: Database, path: str, body: object,
        status: int, code: str) -> None:
    api.put(f"{URL}/email", headers=admin, json={"days": 365})
    answer = api.put(f"{URL}/{path}", headers=admin, json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert answer.headers["content-type"] == "application/problem+json"
    assert stored(database) == {"email": 365}


def test_unknown_classes_and_bad_ids_are_clear(api: TestClient, admin: Headers,
                                               database: Database) -> None:
    gone = api.delete(f"{URL}/transitory", headers=admin)
    assert gone.status_code == 404 and "transitory" in gone.json()["detail"]
    assert api.get(f"{URL}/nope", headers=admin).status_code == 404
    bad_run = api.post("/api/v1/retention/runs", headers=admin, json={"dry_run": "yes"})
    assert bad_run.status_code == 422
    assert api.post("/api/v1/retention/runs", headers=admin, json={"now": 1}).status_code == 422
    bad_id = api.delete("/api/v1/documents/not-a-uuid", headers=admin)
    assert bad_id.status_code == 422
    unknown = api.delete("/api/v1/documents/00000000-0000-0000-0000-000000000001", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    patch = api.patch("/api/v1/retention/families/00000000-0000-0000-0000-000000000001",
                      headers=admin, json={"record_class": "email"})
    assert patch.status_code == 404
    assert api.get("/api/v1/retention/runs", headers=admin).json()["total"] == 0
    assert stored(database) == {}
