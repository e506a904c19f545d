"""A city with some records in it, for attackers to try their luck against."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.auth import service as auth
from app.core import migrations
from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import AuditEntry, Role
from ingest import indexer, jobs
from ingest.runtime import Runtime
from tests.conftest import TEST_PASSWORD, TEST_SECRET
from tests.ingest.test_dedup import mail, write
from tests.ingest.test_sources import people, stored  # noqa: F401 (a fixture, and a helper)

Headers = dict[str, str]


def fill_share(folder: Path) -> Path:
    """A folder of mail on the server, outside Custodia's data directory: two e-mails."""
    write(folder / "parks" / "1.eml", mail("Trail permit", "Approved for May.", b"trail,permit\n"))
    write(folder / "parks" / "2.eml", mail("Budget", "Numbers for the parks budget."))
    return folder


@pytest.fixture
def share(tmp_path: Path) -> Path:
    return fill_share(tmp_path / "share")


@dataclass(frozen=True)
class City:
    folder: Path
    settings: Settings
    people: dict[str, Headers]  # a signed-in person per role, by role name
    ids: dict[str, list[str]]  # ids of real rows, by the path parameter that names them

    def app(self) -> FastAPI:
        return create_app(self.settings)

    def copy(self, folder: Path) -> City:
        """The same city in `folder`: the same rows, ids and sign-ins (SQLite only)."""
        shutil.copytree(self.folder / "var", folder / "var")
        shutil.copy2(self.folder / "custodia.db", folder / "custodia.db")
        return replace(self, folder=folder, settings=city_settings(folder))


def city_settings(folder: Path, database_url: str = "") -> Settings:
    return Settings(env="test", data_dir=folder / "var", secret_key=TEST_SECRET,
                    database_url=database_url or f"sqlite:///{folder / 'custodia.db'}",
                    in_process_worker=False)


def seeded_city(folder: Path, database_url: str = "") -> City:
    """A city of its own under `folder` (SQLite there, unless `database_url`), with an ingest
    root and two e-mails ingested from it, a mail connection, a saved search, an API token
    and a lock-out, made over the API as an administrator and a clerk would make them."""
    settings = city_settings(folder, database_url)
    database = Database(settings.resolved_database_url)
    try:
        migrations.upgrade(database.engine)
        actor = Actor("test-runner", "127.0.0.1", "seed")
        with database.transaction() as session:
            for role in Role:
                auth.create_user(session, actor, role.value, [role], TEST_PASSWORD)
        with TestClient(create_app(settings)) as client:
            signed_in = {role.value: _sign_in(client, role.value) for role in Role}
            ids = _seed(client, signed_in, fill_share(folder / "share"), settings, database)
    finally:
        database.dispose()
    return City(folder, settings, signed_in, ids)


def _sign_in(client: TestClient, username: str) -> Headers:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": TEST_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _seed(client: TestClient, signed_in: dict[str, Headers], share: Path, settings: Settings,
          database: Database) -> dict[str, list[str]]:
    admin, clerk = signed_in["admin"], signed_in["clerk"]
    root = client.post("/api/v1/ingest/roots", headers=admin,
                       json={"name": "shared", "path": str(share), "description": "Parks mail"})
    connection = client.post("/api/v1/ingest/connections", headers=admin, json={
        "name": "city-mail", "host": "127.0.0.1", "port": 9, "security": "none",
        "username": "ediscovery", "password": "not-a-real-password"})
    queued = client.post("/api/v1/ingest/jobs", headers=clerk, json={
        "custodian": "parks", "source": {"type": "root", "root": "shared", "path": "parks"}})
    for answer in (root, connection, queued):
        assert answer.status_code in (201, 202), answer.text
    runtime = Runtime.open(settings, database)
    runner, job_id = runtime.runner(worker="seed"), uuid.UUID(queued.json()["id"])
    assert jobs.run_now(runner, job_id).status == "done"
    indexer.index_pending(database, runtime.engine, settings.time_zone)
    found = client.post("/api/v1/search", headers=clerk, json={"query": "parks OR trail"}).json()
    saved = client.post("/api/v1/saved-searches", headers=clerk,
                        json={"name": "Parks", "query": "parks"})
    token = client.post("/api/v1/auth/api-tokens", headers=admin,
                        json={"name": "records-portal", "username": "clerk"})
    assert found["total"] >= 2 and saved.status_code == 201 and token.status_code == 201
    for _ in range(settings.sign_in_failures_per_username):
        client.post("/api/v1/auth/token", data={"username": "mallory", "password": "guess-" * 3})
    lockouts = client.get("/api/v1/auth/lockouts", headers=admin).json()["items"]
    assert len(lockouts) == 1, lockouts
    request = client.post("/api/v1/requests", headers=clerk, json={
        "requester_name": "Pat Q. Public", "requester_email": "pat@example.org",
        "category": "general", "description": "Parks e-mail", "channel": "web"})
    assert request.status_code == 201, request.text
    request_id = request.json()["id"]
    filled = client.post(f"/api/v1/requests/{request_id}/review-set/searches", headers=clerk,
                         json={"query": "parks"})
    letter = client.post(f"/api/v1/requests/{request_id}/letters", headers=clerk,
                         json={"kind": "acknowledgement"})
    link = client.post(f"/api/v1/requests/{request_id}/links", headers=clerk)
    for answer in (filled, letter, link):
        assert answer.status_code in (200, 201), answer.text
    boss = client.post("/api/v1/people", headers=admin, json={
        "name": "Ruth Okafor", "emails": [{"address": "ruth.okafor@city.example.gov"}]})
    person = client.post("/api/v1/people", headers=admin, json={
        "name": "Lee Marsh", "supervisor_id": boss.json()["id"], "custodians": ["parks"],
        "emails": [{"address": "lee.marsh@city.example.gov"}]})
    assert boss.status_code == 201 and person.status_code == 201, person.text
    hold = client.post("/api/v1/holds", headers=signed_in["attorney"], json={
        "matter_name": "Trail injury", "custodians": [person.json()["id"]]})
    assert hold.status_code == 201, hold.text
    # Issued: every seeded document is held, so no fuzzed delete, purge or clean-up can
    # take the city's records from under the other operations (they get the 409).
    issued = client.post(f"/api/v1/holds/{hold.json()['id']}/issue",
                         headers=signed_in["attorney"], json={"version": 1})
    assert issued.status_code == 200 and issued.json()["documents_held"] > 0, issued.text
    redaction = next(answer for answer in (client.post(
        f"/api/v1/documents/{hit['document']['id']}/redactions", headers=clerk,
        json={"start": 0, "end": 3, "reason": "A seeded redaction", "citation": "SSN"})
        for hit in found["hits"]) if answer.status_code == 201)
    templates = client.get("/api/v1/letter-templates", headers=clerk).json()
    citations = client.get("/api/v1/citations", headers=clerk).json()
    schedules = client.get("/api/v1/fee-schedules", headers=clerk).json()
    bates = client.post("/api/v1/bates-series", headers=clerk, json={"prefix": "FUZZ"})
    production = client.post("/api/v1/productions", headers=clerk, json={
        "series_id": bates.json()["id"], "request_id": request_id})
    assert production.status_code == 201, production.text
    return {
        "request_id": [request_id], "letter_id": [letter.json()["id"]],
        "link_id": [link.json()["id"]], "token": [link.json()["token"]],
        "template_id": [t["id"] for t in _items(templates)],
        "citation_id": [c["id"] for c in _items(citations)],
        "schedule_id": [f["id"] for f in _items(schedules)],
        "document_id": [hit["document"]["id"] for hit in found["hits"]],
        "job_id": [queued.json()["id"]], "root_id": [root.json()["id"]],
        "connection_id": [connection.json()["id"]], "saved_id": [saved.json()["id"]],
        "token_id": [token.json()["id"]], "lockout_id": [lockouts[0]["id"]],
        "hold_id": [hold.json()["id"]], "redaction_id": [redaction.json()["id"]],
        "production_id": [production.json()["id"]],
        "person_id": [boss.json()["id"], person.json()["id"]],
    }


def _items(listed: Any) -> list[dict[str, Any]]:
    """A list answer's rows, whether paged ({"items": [...]}) or a plain list."""
    rows: list[dict[str, Any]] = listed["items"] if isinstance(listed, dict) else listed
    return rows


def trail(database: Database) -> list[str]:
    """The actions in the audit trail, in order."""
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
