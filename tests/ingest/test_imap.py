"""IMAP pull from the real Dovecot server: all folders, incremental, nothing twice."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from imapclient import IMAPClient  # type: ignore[import-untyped]
from sqlalchemy import select

from app.core.db import Database
from app.models import Document, ImapFolderState, Location
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


def source(imap_url: str) -> dict[str, Any]:
    parts = urlsplit(imap_url)
    return {"type": "imap", "host": parts.hostname, "port": parts.port, "username": USER,
            "password": "custodia", "ssl": False}


def test_a_second_pull_adds_exactly_the_new_mail(
    imap_url: str, mailbox_client: IMAPClient, enron_messages: list[bytes],
    database: Database, run_ingest: RunIngest,
) -> None:
    mailbox_client.create_folder("Projects/Budget")
    for data in enron_messages[:20]:
        mailbox_client.append("INBOX", data)
    for data in enron_messages[20:25]:
        mailbox_client.append("Projects/Budget", data)

    first = run_ingest("clerk-test", source=source(imap_url))
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
    second = run_ingest("clerk-test", source=source(imap_url))
    assert second.counts.get("new", 0) + second.counts.get("duplicate", 0) == 4
    assert "known" not in second.counts  # nothing already pulled was fetched again
    assert count(database, Location) == 29

    third = run_ingest("clerk-test", source=source(imap_url))
    assert third.counts == {}


def test_a_changed_uidvalidity_rereads_the_folder_without_storing_twice(
    imap_url: str, mailbox_client: IMAPClient, enron_messages: list[bytes],
    database: Database, run_ingest: RunIngest,
) -> None:
    for data in enron_messages[:5]:
        mailbox_client.append("INBOX", data)
    run_ingest("clerk-test", source=source(imap_url))
    documents = count(database, Document)
    with database.transaction() as session:  # as if the server had rebuilt the folder
        state = session.scalar(select(ImapFolderState))
        assert state is not None
        state.uidvalidity += 1
    again = run_ingest("clerk-test", source=source(imap_url))
    assert again.counts["known"] == 5  # fetched again from UID 1, recognized, not stored
    assert "new" not in again.counts
    assert count(database, Document) == documents


def test_a_wrong_password_fails_the_job_visibly(
    imap_url: str, mailbox_client: IMAPClient, run_ingest: RunIngest, runtime: Any, actor: Any,
) -> None:
    from ingest import jobs

    spec = {**source(imap_url), "password": "wrong"}
    with runtime.database.transaction() as session:
        job_id = jobs.create_job(session, actor, "clerk-test", spec).id
    runner = runtime.runner(worker="test-worker")
    jobs.claim(runner, job_id)
    job = jobs.run(runner, job_id)
    assert job.status == "failed"
    assert "LoginError" in job.error
