"""Retention on the shared Enron slice with one custodian under a legal hold.

Two custodians' mailboxes (a few small mbox files each, and one of Badeer's also found
in Allen's mailbox, as a copy sent to both would be) are ingested and mapped to people;
a hold on Allen is issued; e-mail is kept one day. `custodia retention run --dry-run
--json` must list exactly the families with no copy in Allen's mailbox; a real run
purges those, and neither search, `custodia reindex` nor a re-ingest of the same files
brings one back, while every document of Allen's is still there with its text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.auth import service as auth
from app.core import migrations
from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import (
    Document,
    DocumentText,
    IngestJob,
    Location,
    Person,
    PersonCustodian,
    PersonStatus,
    Role,
)
from ingest import indexer, jobs
from ingest.runtime import Runtime
from tests.conftest import TEST_PASSWORD, TEST_SECRET

CUSTODIA = str(Path(sys.executable).parent / "custodia")
HELD, OTHER = "allen-p", "badeer-r"
SLICE = {HELD: ["straw", "contacts"], OTHER: ["inbox", "capx", "var"]}
SHARED = "var"  # Badeer's folder also found in Allen's mailbox
EVERYTHING = "NOT zzyzxq"  # a query every document matches


@pytest.fixture
def city(tmp_path: Path, corpus_dir: Path) -> Iterator[dict[str, Any]]:
    """The slice's folders per custodian, the settings, the database and a signed-in admin."""
    data = tmp_path / "var"
    data.mkdir()
    url = f"sqlite:///{data / 'custodia.db'}"
    settings = Settings(env="test", data_dir=data, database_url=url, secret_key=TEST_SECRET,
                        in_process_worker=False)
    database = Database(url)
    migrations.upgrade(database.engine)
    boxes: dict[str, Path] = {}
    for custodian, folders in SLICE.items():
        boxes[custodian] = tmp_path / "mail" / custodian
        boxes[custodian].mkdir(parents=True)
        for folder in folders + ([SHARED] if custodian == HELD else []):
            owner = OTHER if folder == SHARED else custodian
            source = corpus_dir / "enron" / "mbox" / f"enron.{owner}.{folder}"
            shutil.copyfile(source, boxes[custodian] / source.name)
    env = {"CUSTODIA_DATA_DIR": str(data), "CUSTODIA_DATABASE_URL": url, "COLUMNS": "160"}
    with database.transaction() as session:
        auth.create_user(session, Actor("test-runner", "127.0.0.1", "t"), "records-admin",
                         [Role.admin], TEST_PASSWORD)
    yield {"settings": settings, "database": database, "boxes": boxes, "env": env}
    database.dispose()


def custodia(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([CUSTODIA, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def ingest(settings: Settings, database: Database, custodian: str, box: Path) -> IngestJob:
    """One ingest job of the custodian's folder, run and indexed as `custodia ingest` does."""
    runtime = Runtime.open(settings, database)
    with database.transaction() as session:
        job_id = jobs.create_job(session, Actor("test-runner", "127.0.0.1", "t"), custodian,
                                 {"type": "path", "paths": [str(box)]}).id
    job = jobs.run_now(runtime.runner(worker="test"), job_id)
    assert job.status == "done", job.error
    indexer.index_pending(database, runtime.engine, settings.time_zone)
    return job


def app_client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), client=("203.0.113.7", 50000))


def sign_in(client: TestClient) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token",
                         data={"username": "records-admin", "password": TEST_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def search(settings: Settings, query: str) -> set[str]:
    """Ids the search API finds, from a freshly started app (what a new request sees)."""
    with app_client(settings) as client:
        answer = client.post("/api/v1/search", headers=sign_in(client),
                             json={"query": query, "size": 200, "facets": False})
        assert answer.status_code == 200, answer.text
        found = answer.json()
    assert found["total"] == len(found["hits"])
    return {hit["document"]["id"] for hit in found["hits"]}


def families(database: Database) -> dict[uuid.UUID, dict[str, Any]]:
    """Each family: its documents, their texts, and the custodians it was found at."""
    with database.reading() as session:
        found: dict[uuid.UUID, dict[str, Any]] = {}
        for document, family in session.execute(select(Document.id, Document.family_id)):
            found.setdefault(family, {"documents": set(), "custodians": set()})
            found[family]["documents"].add(document)
        for document, custodian in session.execute(
                select(Location.document_id, Location.custodian)):
            found[document]["custodians"].add(custodian)  # locations name top-level documents
        texts = dict(session.execute(select(DocumentText.document_id, DocumentText.text)).all())
    for members in found.values():
        members["texts"] = {d: texts.get(d) for d in members["documents"]}
    return found


def test_a_one_day_schedule_purges_exactly_what_the_hold_on_one_custodian_does_not_keep(
        city: dict[str, Any]) -> None:
    settings, database, boxes, env = (city[k] for k in ("settings", "database", "boxes", "env"))
    first = {c: ingest(settings, database, c, boxes[c]) for c in (HELD, OTHER)}
    for job in first.values():
        assert job.counts["new"] > 0 and not job.counts.get("quarantined")
    people = {}
    with database.transaction() as session:
        for custodian, name in ((HELD, "Phillip Allen"), (OTHER, "Robert Badeer")):
            someone = Person(name=name, status=PersonStatus.active)
            session.add(someone)
            session.flush()
            session.add(PersonCustodian(custodian=custodian, person_id=someone.id))
            people[custodian] = str(someone.id)
    with app_client(settings) as client:
        admin = sign_in(client)
        drafted = client.post("/api/v1/holds", headers=admin, json={
            "matter_name": "FERC v. Enron", "custodians": [people[HELD]]})
        assert drafted.status_code == 201, drafted.text
        issued = client.post(f"/api/v1/holds/{drafted.json()['id']}/issue", headers=admin,
                             json={"version": drafted.json()["version"]})
        assert issued.status_code == 200, issued.text
    custodia(env, "retention", "set", "email", "--days", "1")

    before = families(database)
    held = {f for f, family in before.items() if HELD in family["custodians"]}
    other = set(before) - held
    shared = {f for f in held if OTHER in before[f]["custodians"]}
    assert other and held and shared, "the slice has families of each kind"
    assert issued.json()["documents_held"] == sum(len(before[f]["documents"]) for f in held)

    printed = json.loads(custodia(env, "retention", "run", "--dry-run", "--json").stdout)
    certificate = printed["certificate"]
    assert certificate["dry_run"] is True
    listed = {uuid.UUID(f["family_id"]): {uuid.UUID(d["id"]) for d in f["documents"]}
              for f in certificate["families"]}
    assert listed == {f: before[f]["documents"] for f in other}
    assert {uuid.UUID(f["family_id"]) for f in certificate["skipped_held"]} == held
    assert families(database) == before, "a dry run changes nothing"

    purged = json.loads(custodia(env, "retention", "run", "--json").stdout)["certificate"]
    gone = {d for f in other for d in before[f]["documents"]}
    assert purged["counts"]["documents_purged"] == len(gone)
    assert families(database) == {f: before[f] for f in held}

    kept = {str(d) for f in held for d in before[f]["documents"]}
    assert search(settings, EVERYTHING) == kept
    assert search(settings, f"custodian:{OTHER}") == {str(f) for f in shared}
    assert "Reindexed" in custodia(env, "reindex").stdout
    assert search(settings, EVERYTHING) == kept

    again = {c: ingest(settings, database, c, boxes[c]) for c in (HELD, OTHER)}
    messages = {c: first[c].counts["new"] + first[c].counts.get("duplicate", 0) for c in first}
    assert again[HELD].counts == {"known": messages[HELD], "bytes": again[HELD].counts["bytes"]}
    with database.reading() as session:
        shared_messages = len(session.scalars(select(Location.id).where(
            Location.custodian == OTHER, Location.document_id.in_(shared))).all())
    assert again[OTHER].counts == {"known": shared_messages,
                                   "purged": messages[OTHER] - shared_messages,
                                   "bytes": again[OTHER].counts["bytes"]}
    assert families(database) == {f: before[f] for f in held}, "nothing purged came back"
    assert search(settings, EVERYTHING) == kept
