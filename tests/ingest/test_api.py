"""Ingest and documents over the REST API: jobs, quarantine, metadata, natives, audit."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import Role, User
from tests.conftest import MakeUser
from tests.test_openapi import documented

Headers = Callable[[User], dict[str, str]]


@pytest.fixture
def worker_client(settings: Settings, database: Database) -> Iterator[TestClient]:
    """The app with its in-process worker, as the embedded deployment runs."""
    settings = settings.model_copy(update={"in_process_worker": True})
    with TestClient(create_app(settings)) as client:
        yield client


def wait_for_job(client: TestClient, headers: dict[str, str], job_id: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        job = client.get(f"/api/v1/ingest/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_a_queued_job_is_ingested_and_its_documents_served(
    worker_client: TestClient, corpus_dir: Path, make_user: MakeUser, sign_in: Headers,
    tmp_path: Path,
) -> None:
    clerk = sign_in(make_user(Role.clerk))
    admin = sign_in(make_user(Role.admin))
    (tmp_path / "share" / "box").mkdir(parents=True)
    (tmp_path / "share" / "box" / "bad.eml").write_bytes(b"no headers here\n")
    source = corpus_dir / "voicemail" / "generated" / "exchange-1.eml"
    (tmp_path / "share" / "box" / "vm.eml").write_bytes(source.read_bytes())
    assert worker_client.post("/api/v1/ingest/roots", headers=admin, json={
        "name": "shared", "path": str(tmp_path / "share")}).status_code == 201
    queued = worker_client.post("/api/v1/ingest/jobs", headers=clerk, json={
        "custodian": "parks", "source": {"type": "root", "root": "shared", "path": "box"}})
    assert queued.status_code == 202, queued.text
    job = wait_for_job(worker_client, clerk, queued.json()["id"])
    assert job["status"] == "done" and job["counts"]["new"] == 1
    assert job["counts"]["quarantined"] == 1

    errors = worker_client.get("/api/v1/ingest/errors", headers=clerk,
                               params={"job_id": job["id"]}).json()
    assert errors["total"] == 1
    assert errors["items"][0]["source_id"] == "bad.eml"
    assert errors["items"][0]["source"] == "shared:/box"  # never the server's path
    assert "not an e-mail" in errors["items"][0]["reason"]

    from sqlalchemy import select

    from app.models import Document

    database: Database = worker_client.app.state.database  # type: ignore[attr-defined]
    with database.reading() as session:
        voicemail_id = session.scalars(select(Document.id).where(
            Document.parent_id.is_(None))).one()
    shown = worker_client.get(f"/api/v1/documents/{voicemail_id}", headers=clerk).json()
    assert shown["kind"] == "voicemail"
    assert shown["voicemail"]["caller_name"] == "Dana Whitfield"
    assert shown["sent_at_local"] == "2026-03-02T09:14:00-07:00"
    assert shown["locations"][0]["custodian"] == "parks"
    assert [m["filename"] for m in shown["family"]][1:] == ["audio.wav"]
    audio = worker_client.get(f"/api/v1/documents/{shown['audio_document_id']}/native",
                              headers=clerk)
    assert audio.headers["content-type"].startswith("audio/")
    assert audio.content[:4] == b"RIFF"
    native = worker_client.get(f"/api/v1/documents/{voicemail_id}/native", headers=clerk)
    assert hashlib.sha256(native.content).hexdigest() == shown["native_sha256"]
    for answer in (audio, native):  # the document once said application/octet-stream
        assert documented("GET", "/api/v1/documents/{document_id}/native",
                          answer.headers["content-type"])
    assert native.content == source.read_bytes()

    auditor = sign_in(make_user(Role.auditor))
    actions = [e["action"] for e in worker_client.get(
        "/api/v1/audit", headers=auditor, params={"limit": 500}).json()["items"]]
    for action in ("ingest.job_create", "ingest.job_claim", "ingest.documents_add",
                   "ingest.job_done", "document.view", "document.native_download"):
        assert action in actions


def test_a_bad_source_is_refused_at_once(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    clerk = sign_in(make_user(Role.clerk))
    missing = client.post("/api/v1/ingest/jobs", headers=clerk, json={
        "custodian": "x", "source": {"type": "root", "root": "nowhere"}})
    assert missing.status_code == 400 and missing.json()["code"] == "outside_ingest_root"
    unknown = client.post("/api/v1/ingest/jobs", headers=clerk, json={
        "custodian": "x", "source": {"type": "ftp"}})
    assert unknown.status_code == 422


def test_an_unknown_document_is_404(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    clerk = sign_in(make_user(Role.attorney))
    response = client.get("/api/v1/documents/00000000-0000-0000-0000-000000000000",
                          headers=clerk)
    assert response.status_code == 404
