"""IMAP pull from the real Dovecot server: all folders, incremental, nothing twice."""

from __future__ import annotations

import dataclasses
import mailbox
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from imapclient import IMAPClient  # type: ignore[import-untyped]
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import Database
from app.core.secrets import credentials_key
from app.core.settings import Settings
from app.ingest import connections
from app.models import Document, ImapFolderState, IngestJob, Location
from ingest import jobs
from ingest.runtime import Runtime
from tests.ingest.conftest import RunIngest, count
from tests.services.test_dovecot import clean_mailbox

USER = "clerk-test"


@pytest.fixture
def mailbox_client(imap_url: str) -> Iterator[IMAPClient]:
    parts = urlsplit(imap_url)
    client = IMAPClient(parts.hostname, port=parts.port, ssl=False, timeout=30)
    client.login(USER, "custodia")
    clean_mailbox(client)
    yield client
    clean_mailbox(client)
    client.logout()


@pytest.fixture
def enron_messages(corpus_dir: Path) -> list[bytes]:
    box = mailbox.mbox(corpus_dir / "enron" / "mbox" / "enron.motley-m.inbox", create=False)
    messages = [box.get_bytes(key) for key in list(box.iterkeys())[:30]]
    box.close()
    return messages


def last_uid(client: IMAPClient, folder: str) -> int:
    client.select_folder(folder, readonly=True)
    uids = client.search("ALL")
    client.close_folder()
    return max(uids)


def connect(database: Database, settings: Settings, actor: Actor, host: str, port: int,
            password: str = "custodia", name: str = "dovecot") -> dict[str, Any]:
    """An administrator's mail connection, and the job source a clerk would pick with it."""
    with database.transaction() as session:
        connections.create(session, actor, credentials_key(settings), name, host, port, "none",
                           USER, password)
        return connections.source(session, name, None)


@pytest.fixture
def source(imap_url: str, database: Database, settings: Settings, actor: Actor) -> dict[str, Any]:
    parts = urlsplit(imap_url)
    assert parts.hostname and parts.port
    return connect(database, settings, actor, parts.hostname, parts.port)


def test_a_second_pull_adds_exactly_the_new_mail(
    source: dict[str, Any], mailbox_client: IMAPClient, enron_messages: list[bytes],
    database: Database, run_ingest: RunIngest,
) -> None:
    mailbox_client.create_folder("Projects/Budget")
    for data in enron_messages[:20]:
        mailbox_client.append("INBOX", data)
    for data in enron_messages[20:25]:
        mailbox_client.append("Projects/Budget", data)

    first = run_ingest("clerk-test", source=source)
    assert first.counts["new"] + first.counts.get("duplicate", 0) == 25
    with database.reading() as session:
        folders = sorted(set(session.scalars(select(Location.folder))))
        states = {s.folder: s.last_uid for s in session.scalars(select(ImapFolderState))}
    assert folders == ["INBOX", "Projects/Budget"]
    assert states == {folder: last_uid(mailbox_client, folder)
                      for folder in ("INBOX", "Projects/Budget")}

    for data in enron_messages[25:28]:
        mailbox_client.append("INBOX", data)
    mailbox_client.append("Projects/Budget", enron_messages[28])
    second = run_ingest("clerk-test", source=source)
    assert second.counts.get("new", 0) + second.counts.get("duplicate", 0) == 4
    assert "known" not in second.counts  # nothing already pulled was fetched again
    assert count(database, Location) == 29

    third = run_ingest("clerk-test", source=source)
    assert third.counts == {}


def test_a_changed_uidvalidity_rereads_the_folder_without_storing_twice(
    source: dict[str, Any], mailbox_client: IMAPClient, enron_messages: list[bytes],
    database: Database, run_ingest: RunIngest,
) -> None:
    for data in enron_messages[:5]:
        mailbox_client.append("INBOX", data)
    run_ingest("clerk-test", source=source)
    documents = count(database, Document)
    with database.transaction() as session:  # as if the server had rebuilt the folder
        state = session.scalar(select(ImapFolderState))
        assert state is not None
        state.uidvalidity += 1
    again = run_ingest("clerk-test", source=source)
    assert again.counts["known"] == 5  # fetched again from UID 1, recognized, not stored
    assert "new" not in again.counts
    assert count(database, Document) == documents


def run_job(runtime: Runtime, actor: Actor, spec: dict[str, Any]) -> IngestJob:
    with runtime.database.transaction() as session:
        job_id = jobs.create_job(session, actor, "clerk-test", spec).id
    runner = runtime.runner(worker="test-worker")
    return jobs.run_now(runner, job_id)


def test_a_wrong_password_fails_the_job_visibly(
    imap_url: str, mailbox_client: IMAPClient, runtime: Runtime, actor: Actor,
    database: Database, settings: Settings,
) -> None:
    parts = urlsplit(imap_url)
    assert parts.hostname and parts.port
    spec = connect(database, settings, actor, parts.hostname, parts.port, password="wrong")
    job = run_job(runtime, actor, spec)
    assert job.status == "failed"
    assert "LoginError" in job.error and "wrong" not in job.error


def test_a_silent_server_fails_the_job_within_its_time_outs(
    runtime: Runtime, actor: Actor, database: Database, settings: Settings,
) -> None:
    """A hostile host that accepts and never greets does not hold the worker for long."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        spec = connect(database, settings, actor, "127.0.0.1", silent.getsockname()[1])
        quick = dataclasses.replace(runtime, settings=settings.model_copy(
            update={"imap_connect_timeout_seconds": 1.0, "imap_read_timeout_seconds": 1.0}))
        started = time.monotonic()
        job = run_job(quick, actor, spec)
        elapsed = time.monotonic() - started
    assert job.status == "failed" and "timed out" in job.error.lower(), job.error
    assert elapsed < 8  # not the 60 s a socket default would wait


def test_a_deleted_connection_fails_its_queued_job_clearly(
    source: dict[str, Any], runtime: Runtime, actor: Actor, database: Database,
) -> None:
    with database.transaction() as session:
        connections.delete(session, actor, uuid.UUID(source["connection_id"]))
    job = run_job(runtime, actor, source)
    assert job.status == "failed" and "deleted" in job.error
