"""Groups form as ingest stores mail (its documents-stored hook), and from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core import migrations
from app.core.db import Database
from app.models import AuditEntry, Document, NearDuplicate, NearDuplicateGroup
from app.near_duplicates import grouping
from tests.ingest.conftest import RunIngest
from tests.near_duplicates.factories import edited, memo

CUSTODIA = str(Path(sys.executable).parent / "custodia")


def custodia(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CUSTODIA, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300, check=False)


def mail(path: Path, subject: str, body: str, attachment: str | None = None) -> None:
    message = EmailMessage()
    message["From"] = "Dana Reyes <dreyes@springvale-co.example>"
    message["To"] = "Lee Okafor <lokafor@springvale-co.example>"
    message["Subject"] = subject
    message["Date"] = "Mon, 02 Nov 2026 10:00:00 -0700"
    message["Message-ID"] = f"<{path.stem}@springvale-co.example>"
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment, subtype="plain", filename="notes.txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(message))


def search(env: dict[str, str], query: str) -> set[str]:
    answer = custodia(env, "search", query, "--json")
    assert answer.returncode == 0, answer.stderr
    return {hit["document"]["subject"] for hit in json.loads(answer.stdout)["hits"]}


def rows(database: Database) -> dict[str, tuple[object, ...]]:
    with database.reading() as session:
        return {str(r.document_id): (r.group_id, r.similarity, r.signature, r.assigned_at)
                for r in session.scalars(select(NearDuplicate))}


def groups(database: Database) -> dict[str, str | None]:
    """Each top-level document's group, by subject."""
    with database.reading() as session:
        rows = session.execute(
            select(Document.subject, NearDuplicate.group_id)
            .join(NearDuplicate, NearDuplicate.document_id == Document.id))
        return {subject: str(group) if group else None for subject, group in rows}


def test_ingest_groups_each_batch_and_rebuild_forms_them_again(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir()
    database = Database(f"sqlite:///{data / 'custodia.db'}")
    migrations.upgrade(database.engine)
    env = {"CUSTODIA_DATA_DIR": str(data), "COLUMNS": "160"}
    text = memo(11)
    mail(tmp_path / "box" / "1.eml", "Budget memo", text)
    mail(tmp_path / "box" / "2.eml", "FW: Budget memo", edited(text))
    mail(tmp_path / "box" / "3.eml", "Parks memo", memo(12))
    mail(tmp_path / "box" / "4.eml", "Budget memo with notes", "See the notes.", attachment=text)
    done = custodia(env, "ingest", str(tmp_path / "box"), "--custodian", "dreyes")
    assert done.returncode == 0, done.stderr
    found = groups(database)  # no worker ran: each batch placed them once it committed
    assert len(found) == 4
    assert found["Budget memo"] is not None
    assert found["FW: Budget memo"] == found["Budget memo"]
    assert found["Budget memo with notes"] == found["Budget memo"]  # its attachment counts
    assert found["Parks memo"] not in (None, found["Budget memo"])
    with database.reading() as session:
        first = session.scalar(select(Document.id).where(Document.subject == "Budget memo"))
    assert search(env, f"neardup:{first}") == {"Budget memo", "FW: Budget memo",
                                                "Budget memo with notes"}
    assert search(env, f"neardup:{found['Parks memo']}") == {"Parks memo"}

    # A copy that arrives later joins the group; the others' rows stay as they were.
    before = rows(database)
    mail(tmp_path / "later" / "5.eml", "RE: Budget memo", "Agreed.\n\n" + edited(text))
    assert custodia(env, "ingest", str(tmp_path / "later"), "--custodian", "lokafor"
                    ).returncode == 0
    found = groups(database)
    assert found["RE: Budget memo"] == found["Budget memo"]
    assert {k: v for k, v in rows(database).items() if k in before} == before
    assert "RE: Budget memo" in search(env, f"neardup:{found['Budget memo']}")

    refused = custodia({**env, "CUSTODIA_NEAR_DUPLICATE_SIMILARITY": "0.3"},
                       "near-duplicates", "rebuild")
    assert refused.returncode == 2
    assert "CUSTODIA_NEAR_DUPLICATE_SIMILARITY" in refused.stderr
    assert groups(database) == found  # nothing changed

    rebuilt = custodia(env, "near-duplicates", "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "1 groups of two or more hold 4 documents" in rebuilt.stdout
    again = groups(database)
    assert again["FW: Budget memo"] == again["Budget memo"] == again["Budget memo with notes"]
    assert search(env, f"neardup:{again['Budget memo']}") == {  # the index followed
        "Budget memo", "FW: Budget memo", "Budget memo with notes", "RE: Budget memo"}
    with database.reading() as session:
        entry = session.scalars(select(AuditEntry)
                                .where(AuditEntry.action == "near_duplicates.rebuild")).one()
        pivot = session.scalar(select(Document.subject).join(
            NearDuplicateGroup, NearDuplicateGroup.pivot_id == Document.id)
            .where(NearDuplicateGroup.id == uuid.UUID(str(again["Budget memo"]))))
    assert entry.details["groups"] == 1 and entry.details["documents"] == 5
    assert pivot == "RE: Budget memo"  # the longest


def test_a_batch_whose_grouping_fails_lands_and_waits_for_the_periodic_job(
        run_ingest: RunIngest, database: Database, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = memo(13)
    mail(tmp_path / "box" / "1.eml", "Zoning memo", text)
    mail(tmp_path / "box" / "2.eml", "FW: Zoning memo", edited(text))

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the grouping write failed")

    monkeypatch.setattr(grouping, "assign", broken)
    run_ingest("dreyes", tmp_path / "box")  # the job is done: its documents are stored
    with database.reading() as session:
        stored = set(session.scalars(select(Document.id)))
        assert len(stored) == 2
        assert set(grouping.pending(session)) == stored  # waiting, not lost
    monkeypatch.undo()
    assert grouping.assign_pending(database, 0.9) == 2  # what "near_duplicates.assign" runs
    found = groups(database)
    assert found["Zoning memo"] is not None and found["FW: Zoning memo"] == found["Zoning memo"]
