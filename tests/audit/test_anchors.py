"""Anchors catch what the chain alone cannot: the newest entries deleted or replaced."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.audit import tasks
from app.auth import service as auth
from app.core import mail_sender, migrations
from app.core.audit import Actor
from app.core.db import Database
from app.core.jobs import Services
from app.models import AuditEntry, OutboxMessage, Role
from tests.audit.test_chain import append, behind_the_back
from tests.mail.test_sender import configured, sink
from tests.services.test_smtp import SMTP_PASSWORD, SMTP_USER, find_in_outbox, remove_from_outbox

CUSTODIA = str(Path(sys.executable).parent / "custodia")
ACTOR = Actor("test-runner", "127.0.0.1", "test-request")


def custodia(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CUSTODIA, *args], env={**os.environ, "CUSTODIA_DATA_DIR": str(data),
                                                  "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def trail(data: Path) -> Database:
    data.mkdir()
    database = Database(f"sqlite:///{data / 'custodia.db'}")
    migrations.upgrade(database.engine)
    append(database, ACTOR, 6)
    return database


def head(database: Database) -> tuple[int, str]:
    with database.reading() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry.seq, entry.hash


def test_a_cut_tail_passes_the_chain_but_not_the_anchors(trail: Database, data: Path,
                                                         tmp_path: Path) -> None:
    anchors = tmp_path / "kept" / "anchors.txt"
    anchors.parent.mkdir()
    seq, digest = head(trail)
    with trail.reading() as session:
        second = session.get_one(AuditEntry, 2).hash
    anchors.write_text(f"2 {second} 2026-01-01T00:00:00Z\n")  # an earlier line is kept
    made = custodia(data, "audit", "anchor", str(anchors))
    assert made.returncode == 0, made.stderr
    append(trail, ACTOR, 1)
    assert custodia(data, "audit", "anchor", str(anchors)).returncode == 0
    lines = anchors.read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith(f"2 {second} ")
    assert lines[1].startswith(f"{seq} {digest} ") and lines[2].startswith(f"{seq + 1} ")
    fine = custodia(data, "audit", "verify", "--anchors", str(anchors))
    assert fine.returncode == 0, fine.stderr
    assert "all 3 anchors match" in fine.stdout

    behind_the_back(trail, f"DELETE FROM audit_entries WHERE seq >= {seq}")
    alone = custodia(data, "audit", "verify")
    assert alone.returncode == 0 and f"head {seq - 1} " in alone.stdout  # looks intact
    caught = custodia(data, "audit", "verify", "--anchors", str(anchors))
    assert caught.returncode == 1
    assert "TRUNCATED" in caught.stderr and f"names entry {seq}" in caught.stderr
    assert f"ends at entry {seq - 1}" in caught.stderr

    append(trail, ACTOR, 3)  # new entries where the cut ones were: the seqs exist again
    rewritten = custodia(data, "audit", "verify", "--anchors", str(anchors))
    assert custodia(data, "audit", "verify").returncode == 0
    assert rewritten.returncode == 1 and "REWRITTEN" in rewritten.stderr, rewritten.stderr


def test_bad_anchor_files_and_places_are_refused(trail: Database, data: Path,
                                                 tmp_path: Path) -> None:
    seq, digest = head(trail)
    bad = tmp_path / "bad.txt"
    bad.write_text(f"{seq} {digest} 2026-01-01T00:00:00Z\n\n{seq} not-a-hash yesterday\n")
    refused = custodia(data, "audit", "verify", "--anchors", str(bad))
    assert refused.returncode == 2 and "line 3 of" in refused.stderr
    missing = custodia(data, "audit", "verify", "--anchors", str(tmp_path / "none.txt"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    (tmp_path / "empty.txt").write_text("\n")
    empty = custodia(data, "audit", "verify", "--anchors", str(tmp_path / "empty.txt"))
    assert empty.returncode == 2 and "no anchor lines" in empty.stderr

    inside = custodia(data, "audit", "anchor", str(data / "anchors.txt"))
    assert inside.returncode == 2 and "inside the data directory" in inside.stderr
    assert not (data / "anchors.txt").exists()
    (tmp_path / "link").symlink_to(data)
    linked = custodia(data, "audit", "anchor", str(tmp_path / "link" / "anchors.txt"))
    assert linked.returncode == 2 and "symbolic link" in linked.stderr
    assert not (data / "anchors.txt").exists()
    climbing = custodia(data, "audit", "anchor", str(tmp_path / "x" / ".." / "a.txt"))
    assert climbing.returncode == 2 and not (tmp_path / "a.txt").exists()
    assert head(trail) == (seq, digest)  # nothing recorded by refusals


def test_the_daily_anchor_is_mailed_to_the_auditors(services: Services, smtp_url: str,
                                                     smtp_outbox: Path) -> None:
    database = services.database
    with database.transaction() as session:
        auditor = auth.create_user(session, ACTOR, "auditor1", [Role.auditor], "x" * 16)
        clerk = auth.create_user(session, ACTOR, "clerk1", [Role.clerk], "x" * 16)
        auditor.email, clerk.email = "auditor@city.example.org", "clerk@city.example.org"
    append(database, ACTOR, 2)
    seq, digest = head(database)
    tasks.mail_anchor(services)
    tasks.mail_anchor(services)  # nothing new since: no second mail
    with database.reading() as session:
        queued = session.scalars(select(OutboxMessage)).all()
    assert len(queued) == 1 and queued[0].recipients == ["auditor@city.example.org"]
    assert f"{seq} {digest} " in queued[0].body_text
    sender = configured(services, **sink(smtp_url, smtp_username=SMTP_USER,
                                         smtp_password=SecretStr(SMTP_PASSWORD)))
    mail_sender.send_due(sender, None)  # type: ignore[arg-type]
    with database.reading() as session:
        message_id = session.get_one(OutboxMessage, queued[0].id).message_id
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    body, envelope = find_in_outbox(smtp_outbox, message_id)
    try:
        assert envelope["rcpt_tos"] == ["auditor@city.example.org"]
        assert f"{seq} {digest} ".encode() in body
    finally:
        remove_from_outbox(smtp_outbox, envelope)
    assert actions[-2:] == ["audit.anchor_mail", "mail.send"]

    elsewhere = Services(services.settings.model_copy(
        update={"audit_anchor_mail_to": "records@city.example.org, it@city.example.org"}),
        database, services.store)
    tasks.mail_anchor(elsewhere)  # mail.send happened since: a new anchor
    with database.reading() as session:
        newest = session.scalars(select(OutboxMessage).where(OutboxMessage.id != queued[0].id)
                                 ).one()  # the clock is frozen: told apart by id
    assert newest.recipients == ["records@city.example.org", "it@city.example.org"]
