"""A purge run: old unheld mail goes (rows, natives, index copies), new or held mail stays,
a dry run changes nothing, the certificate is what was hashed, and nothing comes back."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.core.hashing import sha256
from app.core.settings import Settings
from app.models import AuditEntry, Blob, Document, PurgedDocument, RetentionRun
from ingest.runtime import Runtime
from search.documents import IndexDoc
from tests.conftest import find_phrase
from tests.retention.conftest import (
    Headers,
    RunIngest,
    family_ids,
    head,
    hold,
    snapshot,
)

RUNS = "/api/v1/retention/runs"


def one_day_for_email(api: TestClient, admin: Headers) -> None:
    assert api.put("/api/v1/retention/schedules/email", headers=admin,
                   json={"days": 1}).status_code == 200


def test_a_one_day_email_schedule_purges_old_unheld_mail_and_keeps_newer(
        api: TestClient, admin: Headers, database: Database, settings: Settings,
        runtime: Runtime, run_ingest: RunIngest, mailbox: Path) -> None:
    run_ingest("mdelgado", mailbox)
    pothole, parade = head(database, "Pothole list"), head(database, "Parade permit")
    doomed = family_ids(database, pothole.id) + family_ids(database, parade.id)
    assert len(doomed) == 3  # the pothole list has its spreadsheet
    with database.reading() as session:
        natives = {d: session.scalars(select(Document.blob_sha256).where(
            Document.id == d)).one() for d in doomed}
    assert find_phrase(runtime.engine, "Repave Elm street")
    one_day_for_email(api, admin)

    answer = api.post(RUNS, headers=admin, json={})
    assert answer.status_code == 201, answer.text
    run, certificate = answer.json()["run"], answer.json()["certificate"]
    assert (run["families_purged"], run["documents_purged"], run["families_held"]) == (2, 3, 0)
    assert certificate["schedules"] == {"email": 1} and certificate["dry_run"] is False
    purged = {d["id"]: d for f in certificate["families"] for d in f["documents"]}
    assert set(purged) == {str(d) for d in doomed}
    assert {purged[str(d)]["sha256"] for d in doomed} == set(natives.values())

    kept = head(database, "Council agenda")
    with database.reading() as session:
        assert list(session.scalars(select(Document.id))) == [kept.id]
        assert session.scalars(select(Blob.sha256).where(
            Blob.sha256.in_(natives.values()))).all() == []
        keys = set(session.scalars(select(PurgedDocument.dedup_key)))
        audited = {e.object_id: e.details for e in session.scalars(select(AuditEntry).where(
            AuditEntry.action == "retention.purge"))}
        runs = session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.run")).all()
    assert keys == {pothole.dedup_key, parade.dedup_key}
    assert set(audited) == {str(d) for d in doomed}
    assert {audited[str(d)]["sha256"] for d in doomed} == set(natives.values())
    assert audited[str(pothole.id)]["dedup_key"] == pothole.dedup_key
    assert len(runs) == 1 and runs[0].details["certificate_sha256"] == run["certificate_sha256"]
    for digest in natives.values():
        assert not (settings.natives_dir / digest[:2] / digest[2:4] / digest).exists()
    assert find_phrase(runtime.engine, "Repave Elm street") == []
    assert find_phrase(runtime.engine, "street cost elm") == []  # the attachment's text
    assert find_phrase(runtime.engine, "Budget hearing tonight") == [str(kept.id)]
    assert runtime.engine.count() == 1


def test_the_certificate_is_stored_with_the_hash_recorded(
        api: TestClient, admin: Headers, database: Database, settings: Settings,
        run_ingest: RunIngest, mailbox: Path) -> None:
    run_ingest("mdelgado", mailbox)
    one_day_for_email(api, admin)
    made = api.post(RUNS, headers=admin, json={"dry_run": False}).json()
    with database.reading() as session:
        record = session.get_one(RetentionRun, uuid.UUID(made["run"]["id"]))
    stored = (settings.data_dir / record.certificate_path).read_bytes()
    assert sha256(stored) == record.certificate_sha256 == made["run"]["certificate_sha256"]
    assert json.loads(stored) == made["certificate"]
    assert made["certificate"]["actor"] == record.actor
    fetched = api.get(f"{RUNS}/{record.id}/certificate", headers=admin)
    assert fetched.status_code == 200 and fetched.content == stored
    assert fetched.headers["x-content-sha256"] == record.certificate_sha256
    listed = api.get(RUNS, headers=admin).json()
    assert [r["id"] for r in listed["items"]] == [str(record.id)]
    (settings.data_dir / record.certificate_path).write_bytes(stored.replace(b"email", b"gmail"))
    altered = api.get(f"{RUNS}/{record.id}/certificate", headers=admin)
    assert altered.status_code == 409 and altered.json()["code"] == "certificate_altered"


def test_held_families_are_skipped_and_listed_with_their_holds(
        api: TestClient, admin: Headers, database: Database, run_ingest: RunIngest,
        runtime: Runtime, mailbox: Path) -> None:
    run_ingest("mdelgado", mailbox)
    pothole, parade = head(database, "Pothole list"), head(database, "Parade permit")
    members = family_ids(database, pothole.id)
    attachment = next(m for m in members if m != pothole.id)
    first = hold(database, "Elm Street v. City", attachment)  # one member holds the family
    second = hold(database, "Paving audit", attachment, pothole.id)
    one_day_for_email(api, admin)

    certificate = api.post(RUNS, headers=admin, json={}).json()["certificate"]
    assert certificate["counts"]["families_purged"] == 1
    assert certificate["counts"]["families_held"] == 1
    assert [f["family_id"] for f in certificate["families"]] == [str(parade.id)]
    [skipped] = certificate["skipped_held"]
    assert skipped["family_id"] == str(pothole.id)
    assert sorted(skipped["held_documents"]) == sorted(str(m) for m in members)
    assert sorted((h["hold_id"], h["matter_name"]) for h in skipped["holds"]) == sorted(
        [(str(first), "Elm Street v. City"), (str(second), "Paving audit")])
    assert sorted(family_ids(database, pothole.id)) == sorted(members)  # all of it kept
    assert find_phrase(runtime.engine, "Repave Elm street") == [str(pothole.id)]
    with database.reading() as session:
        subjects = sorted(session.scalars(select(Document.subject).where(
            Document.parent_id.is_(None))))
    assert subjects == ["Council agenda", "Pothole list"]


def test_a_dry_run_lists_what_would_go_and_changes_nothing(
        api: TestClient, admin: Headers, database: Database, settings: Settings,
        run_ingest: RunIngest, runtime: Runtime, mailbox: Path) -> None:
    run_ingest("mdelgado", mailbox)
    one_day_for_email(api, admin)
    before = snapshot(database, settings)
    answer = api.post(RUNS, headers=admin, json={"dry_run": True})
    assert answer.status_code == 201
    certificate = answer.json()["certificate"]
    assert certificate["dry_run"] is True
    assert certificate["counts"]["families_to_purge"] == 2
    assert certificate["counts"]["documents_to_purge"] == 3
    assert certificate["counts"]["documents_purged"] == 0
    assert sorted(d["id"] for f in certificate["families"] for d in f["documents"]) == sorted(
        str(d) for s in ("Pothole list", "Parade permit")
        for d in family_ids(database, head(database, s).id))
    assert snapshot(database, settings) == before
    assert find_phrase(runtime.engine, "Repave Elm street")
    assert runtime.engine.count() == 4


def test_a_reingest_of_the_same_files_does_not_bring_purged_mail_back(
        api: TestClient, admin: Headers, database: Database, settings: Settings,
        run_ingest: RunIngest, runtime: Runtime, mailbox: Path) -> None:
    run_ingest("mdelgado", mailbox)
    one_day_for_email(api, admin)
    api.post(RUNS, headers=admin, json={})
    after_purge = snapshot(database, settings)
    again = run_ingest("mdelgado", mailbox)
    assert (again.counts.get("purged"), again.counts.get("known"), again.counts.get("new", 0)) == (
        2, 1, 0)
    elsewhere = run_ingest("owhitaker", mailbox)  # another custodian's copy of the same mail
    assert (elsewhere.counts.get("purged"), elsewhere.counts.get("duplicate")) == (2, 1)
    now = snapshot(database, settings)
    assert now["ids"] == after_purge["ids"] and now["natives"] == after_purge["natives"]
    from ingest import indexer

    indexer.rebuild(database, runtime.engine, settings.time_zone)
    runtime.engine.refresh()
    assert find_phrase(runtime.engine, "Repave Elm street") == []
    assert runtime.engine.count() == 1


def test_the_trigger_refuses_a_direct_delete_of_a_held_document(
        database: Database, run_ingest: RunIngest, mailbox: Path) -> None:
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    run_ingest("mdelgado", mailbox)
    pothole = head(database, "Pothole list")
    hold(database, "Elm Street v. City", pothole.id)
    for statement in ("DELETE FROM document_texts WHERE document_id = :id",
                      "DELETE FROM documents WHERE id = :id"):
        with pytest.raises(DBAPIError, match="legal hold"), database.engine.begin() as connection:
            value = pothole.id.hex if database.backend == "sqlite" else pothole.id
            connection.execute(text(statement), {"id": value})
    assert head(database, "Pothole list").id == pothole.id


def test_a_copy_read_before_the_purge_cannot_come_back(
        api: TestClient, admin: Headers, database: Database, settings: Settings,
        run_ingest: RunIngest, runtime: Runtime, mailbox: Path) -> None:
    """An indexer pass that read the documents just before the purge sends them after it."""
    run_ingest("mdelgado", mailbox)
    stale = read_index_copies(database, settings)
    one_day_for_email(api, admin)
    api.post(RUNS, headers=admin, json={})
    assert runtime.engine.index(stale) == {}
    runtime.engine.refresh()
    assert find_phrase(runtime.engine, "Repave Elm street") == []
    assert runtime.engine.count() == 1


def read_index_copies(database: Database, settings: Settings) -> list[IndexDoc]:
    from sqlalchemy.orm import selectinload

    from ingest.indexer import as_index_docs

    with database.reading() as session:
        documents = list(session.scalars(select(Document).options(selectinload(Document.text))))
        return as_index_docs(session, documents, settings.time_zone)
