"""Off-boarding and re-ingest clean-up are deletion paths too: a hold refuses them whole."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.db import Database
from app.core.jobs import Services
from app.core.settings import Settings
from app.core.worker import work
from app.models import Document, IngestJob, Location, Role, Schedule
from ingest import jobs
from ingest.runtime import Runtime
from tests.holds.conftest import Headers, Ingest, create_hold, held_subjects, issue, release

MARCH = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)


def documents(database: Database, custodian: str | None = None) -> int:
    with database.reading() as session:
        query = select(func.count(func.distinct(Document.family_id)))
        if custodian is not None:
            query = query.join(Location, Location.document_id == Document.id).where(
                Location.custodian == custodian)
        return int(session.scalar(query) or 0)


@pytest.fixture
def admin(headers_for: Callable[[Role], Headers]) -> Headers:
    return headers_for(Role.admin)


@pytest.fixture
def leaving(client: TestClient, admin: Headers, ingest_mail: Ingest) -> str:
    """Pat leaves the city; one of Pat's messages is in Kim's mailbox too."""
    pat = client.post("/api/v1/people", headers=admin, json={
        "name": "Pat Lund", "custodians": ["plund"],
        "emails": [{"address": "plund@springvale.example"}]}).json()["id"]
    client.post("/api/v1/people", headers=admin, json={"name": "Kim Ward", "custodians": ["kward"]})
    ingest_mail("plund", {"Leave plan": (MARCH, b"dates"), "Desk move": (MARCH, None)})
    ingest_mail("kward", {"Budget": (MARCH, None)})
    return str(pat)


def test_offboarding_purges_only_a_departed_persons_own_mail_and_a_hold_refuses_it(
        client: TestClient, database: Database, admin: Headers, attorney: Headers,
        leaving: str) -> None:
    url = f"/api/v1/people/{leaving}/offboard"
    early = client.post(url, headers=admin)
    assert early.status_code == 409 and "has not departed" in early.json()["detail"]
    departed = client.post(f"/api/v1/people/{leaving}/depart", headers=admin,
                           json={"departed_on": "2026-03-20"})
    assert departed.status_code == 200, departed.text
    hold = issue(client, attorney, create_hold(client, attorney, custodians=[leaving],
                                               matter_number="2026CV0099"))
    refused = client.post(url, headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "document_held"
    assert refused.json()["holds"][0]["matter_name"] == "Reyes v. Springvale"
    assert documents(database, "plund") == 2
    assert client.post(url, headers=attorney).status_code == 403
    release(client, attorney, hold)
    done = client.post(url, headers=admin)
    assert done.status_code == 200, done.text
    assert done.json()["run"]["reason"] == "offboarding"
    assert done.json()["certificate"]["subject"]["custodians"] == ["plund"]
    assert (documents(database, "plund"), documents(database, "kward")) == (0, 1)
    assert client.post(f"/api/v1/people/{uuid.uuid4()}/offboard",
                       headers=admin).status_code == 404


def ingest_again(settings: Settings, database: Database, actor: Actor,
                 job: IngestJob) -> IngestJob:
    with database.transaction() as session:
        job_id = jobs.create_job(session, actor, job.custodian, job.source).id
    return jobs.run_now(Runtime.open(settings, database).runner(worker="again"), job_id)


def test_a_clean_up_lets_a_source_be_ingested_again_unless_it_is_held(
        client: TestClient, database: Database, settings: Settings, actor: Actor,
        admin: Headers, attorney: Headers, leaving: str) -> None:
    with database.reading() as session:
        job = session.scalars(select(IngestJob).where(IngestJob.custodian == "plund")).one()
    url = f"/api/v1/ingest/jobs/{job.id}/documents"
    hold = issue(client, attorney, create_hold(client, attorney, custodians=[leaving]))
    refused = client.delete(url, headers=admin)
    assert refused.status_code == 409 and refused.json()["code"] == "document_held"
    assert documents(database, "plund") == 2
    release(client, attorney, hold)
    cleaned = client.delete(url, headers=admin)
    assert cleaned.status_code == 200, cleaned.text
    assert cleaned.json()["run"]["reason"] == "ingest_clean_up"
    assert (documents(database, "plund"), documents(database, "kward")) == (0, 1)
    again = ingest_again(settings, database, actor, job)  # the same files: none remembered
    assert again.counts.get("new") == 2 and documents(database, "plund") == 2
    assert client.delete(f"/api/v1/ingest/jobs/{uuid.uuid4()}/documents",
                         headers=admin).status_code == 404
    assert client.delete(url, headers=attorney).status_code == 403


def test_the_scheduler_runs_retention_and_it_keeps_what_a_hold_covers(
        client: TestClient, database: Database, settings: Settings, admin: Headers,
        attorney: Headers, leaving: str) -> None:
    kim = client.get("/api/v1/people", headers=admin, params={"q": "Kim"}).json()["items"][0]
    issue(client, attorney, create_hold(client, attorney, custodians=[kim["id"]]))
    services = Services.open(settings, database)
    work(services, "w1")  # no schedule yet: the daily run purges nothing
    assert (documents(database, "plund"), documents(database, "kward")) == (2, 1)
    assert client.put("/api/v1/retention/schedules/email", headers=admin,
                      json={"days": 1}).status_code == 200
    with database.transaction() as session:  # make the daily task due again now
        session.get_one(Schedule, "retention.run").next_run_at = datetime.now(UTC)
    work(services, "w1")
    assert (documents(database, "plund"), documents(database, "kward")) == (0, 1)
    runs = client.get("/api/v1/retention/runs", headers=admin).json()["items"]
    assert [(r["reason"], r["families_purged"], r["families_held"]) for r in runs] == [
        ("schedule", 2, 1)]


def test_a_purged_message_that_turns_up_in_a_held_mailbox_is_kept_and_held(
        client: TestClient, database: Database, settings: Settings, actor: Actor,
        admin: Headers, attorney: Headers, leaving: str) -> None:
    with database.reading() as session:
        kims = session.scalars(select(IngestJob).where(IngestJob.custodian == "kward")).one()
        budget = session.scalars(select(Document.id).join(
            Location, Location.document_id == Document.id)
            .where(Location.custodian == "kward")).one()
    assert client.delete(f"/api/v1/documents/{budget}", headers=admin).status_code == 200
    again = ingest_again(settings, database, actor, kims)  # unheld: it stays purged
    assert again.counts.get("purged") == 1 and not again.counts.get("new")
    issue(client, attorney, create_hold(client, attorney, custodians=[leaving]))
    forwarded = IngestJob(custodian="plund", source=kims.source)  # the same file, Pat's now
    kept = ingest_again(settings, database, actor, forwarded)
    assert kept.counts.get("new") == 1, kept.counts
    assert held_subjects(database) >= {"Budget", "Leave plan", "Desk move"}
