"""Admins see the dead-letter list and retry a job; nobody else does, and bad ids change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core import jobs
from app.core.db import Database
from app.models import AuditEntry, Job, JobState, Role, User
from tests.conftest import MakeUser

SignIn = Callable[[User], dict[str, str]]


def dead_and_live(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    with database.transaction() as session:
        dead = jobs.enqueue(session, "letters.render", {"letter": "L-7"}, max_attempts=2)
        dead.status, dead.attempts, dead.last_error = JobState.dead, 2, "TimeoutError: renderer"
        live = jobs.enqueue(session, "letters.render", {"letter": "L-8"})
        return dead.id, live.id


def trail(database: Database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_an_admin_lists_the_dead_letters_and_retries_one(
        client: TestClient, database: Database, make_user: MakeUser, sign_in: SignIn) -> None:
    dead, live = dead_and_live(database)
    admin = sign_in(make_user(Role.admin))
    listed = client.get("/api/v1/jobs", params={"status": "dead"}, headers=admin)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 1 and body["items"][0]["id"] == str(dead)
    assert body["items"][0]["last_error"] == "TimeoutError: renderer"
    assert client.get("/api/v1/jobs", headers=admin).json()["total"] == 2
    retried = client.post(f"/api/v1/jobs/{dead}/retry", headers=admin)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("queued", 0)
    assert client.get("/api/v1/jobs", params={"status": "dead"}, headers=admin).json()["total"] == 0
    with database.reading() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert session.get_one(Job, live).status == JobState.queued
    assert entry is not None and entry.action == "job.retry" and entry.object_id == str(dead)
    assert entry.details["before"]["status"] == "dead"


def test_retrying_what_is_not_dead_or_does_not_exist_changes_nothing(
        client: TestClient, database: Database, make_user: MakeUser, sign_in: SignIn) -> None:
    _dead, live = dead_and_live(database)
    admin = sign_in(make_user(Role.admin))
    before = trail(database)
    conflict = client.post(f"/api/v1/jobs/{live}/retry", headers=admin)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert client.post(f"/api/v1/jobs/{uuid.uuid4()}/retry", headers=admin).status_code == 404
    assert client.post("/api/v1/jobs/not-a-uuid/retry", headers=admin).status_code == 422
    assert client.get("/api/v1/jobs", params={"status": "buried"}, headers=admin).status_code == 422
    assert trail(database) == before


def test_only_admins_see_or_retry_jobs(client: TestClient, database: Database,
                                       make_user: MakeUser, sign_in: SignIn) -> None:
    dead, _live = dead_and_live(database)
    for role in (Role.clerk, Role.attorney, Role.auditor):
        headers = sign_in(make_user(role))
        assert client.get("/api/v1/jobs", headers=headers).status_code == 403
        assert client.post(f"/api/v1/jobs/{dead}/retry", headers=headers).status_code == 403
    assert client.get("/api/v1/jobs").status_code == 401
    with database.reading() as session:
        assert session.get_one(Job, dead).status == JobState.dead
