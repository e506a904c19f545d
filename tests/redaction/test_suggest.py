"""Suggestions over a review set: each detector finding a `suggested` span, once per text,
never again once decided; a large set by a job. Needs the detectors (app.redaction.detect)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core import jobs
from app.core.db import Database
from app.core.settings import Settings
from app.models import Redaction, RedactionStatus
from app.redaction import suggest
from app.redaction.detect import Options, detect
from tests.redaction.kit import Headers, fill, has_no
from tests.review.factories import last_audit, make_family, make_request

SSN = "078-05-1120"
TEXT = f"Payroll: Dana Ruiz, SSN {SSN}, starts Monday."

try:
    detect("SSN 078-05-1120", Options())
    DETECTORS = True
except NotImplementedError:
    DETECTORS = False
pytestmark = pytest.mark.skipif(not DETECTORS, reason="the detectors have not landed yet")


def rows(database: Database) -> list[Redaction]:
    with database.reading() as session:
        return list(session.scalars(select(Redaction).order_by(Redaction.start)))


def test_suggestions_cover_each_text_once_and_respect_decisions(
        client: TestClient, clerk: Headers, database: Database) -> None:
    first = make_family(database, "Payroll", "see attached", (("p.txt", TEXT),))
    second = make_family(database, "Fwd: Payroll", "again", (("p.txt", TEXT),))
    request_id = make_request(database)
    fill(client, clerk, request_id, [first.email, second.email])
    url = f"/api/v1/requests/{request_id}/redactions/suggest"
    made = client.post(url, headers=clerk)
    assert made.status_code == 200, made.text
    assert made.json()["documents"] == 4 and made.json()["texts"] == 3
    found = [r for r in rows(database) if r.quote == SSN]
    assert len(found) == 1 and found[0].status == RedactionStatus.suggested
    assert found[0].detector == "ssn" and found[0].citation_code
    entry = last_audit(database)
    assert entry.action == "redaction.suggest" and entry.details["suggested"] >= 1
    assert has_no(entry.details, SSN)

    rejected = client.patch(f"/api/v1/redactions/{found[0].id}", headers=clerk,
                            json={"status": "rejected", "version": 1})
    assert rejected.status_code == 200
    again = client.post(url, headers=clerk)
    assert again.json()["suggested"] == 0
    assert [r.status for r in rows(database) if r.quote == SSN] == [RedactionStatus.rejected]


def test_a_large_set_is_suggested_by_a_job_in_the_askers_name(
        client: TestClient, clerk: Headers, database: Database, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suggest, "SYNC_DOCUMENTS", 1)
    family = make_family(database, "Payroll", TEXT, (("p.txt", f"Copy: SSN {SSN}"),))
    request_id = make_request(database)
    fill(client, clerk, request_id, [family.email])
    queued = client.post(f"/api/v1/requests/{request_id}/redactions/suggest", headers=clerk)
    assert queued.status_code == 200 and queued.json()["job_id"], queued.text
    assert rows(database) == []
    claimed = jobs.claim(database, "w1", timedelta(minutes=5),
                         job_id=uuid.UUID(queued.json()["job_id"]))
    assert claimed is not None
    services = jobs.Services.open(settings, database)
    assert jobs.run(services, claimed) == "done"
    assert {r.quote for r in rows(database)} >= {SSN}
    entry = last_audit(database)
    assert entry.action == "redaction.suggest" and entry.actor == "cora.clerk"
