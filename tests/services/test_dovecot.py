"""Smoke tests: the IMAP server started by scripts/services.sh is a real Dovecot.

It is a private instance (``scripts/services.sh up dovecot``) on
``CUSTODIA_TEST_IMAP_URL`` (imap://127.0.0.1:10143, no TLS) with the users
allen-p, badeer-r and clerk-test, all with the password ``custodia``. Tests seed
mail with IMAP APPEND and clean up after themselves over IMAP too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import LoginError  # type: ignore[import-untyped]

IMAP_PASSWORD = "custodia"
# A real message from the shared corpus (its Subject header is empty).
CORPUS_MESSAGE = Path("enron/maildir/allen-p/discussion_threads/1.")
CORPUS_MESSAGE_ID = b"<20379972.1075855673249.JavaMail.evans@thyme>"


def imap_connect(url: str, user: str, password: str = IMAP_PASSWORD) -> Any:
    """An IMAPClient logged in to the test server (plain IMAP on loopback)."""
    parts = urlsplit(url)
    client = IMAPClient(parts.hostname, port=parts.port or 143, ssl=False, timeout=30)
    client.login(user, password)
    return client


def clean_mailbox(client: Any) -> None:
    """Empty a user's mailbox: every folder but INBOX deleted, INBOX expunged."""
    names = [name for _flags, _delimiter, name in client.list_folders() if name.upper() != "INBOX"]
    for name in sorted(names, key=lambda n: n.count("/"), reverse=True):  # children first
        client.delete_folder(name)
    client.select_folder("INBOX")
    messages = client.search("ALL")
    if messages:
        client.delete_messages(messages)
        client.expunge()
    client.close_folder()


@pytest.fixture
def allen(imap_url: str) -> Iterator[Any]:
    client = imap_connect(imap_url, "allen-p")
    try:
        yield client
    finally:
        client.logout()


@pytest.fixture
def scratch_folder(allen: Any) -> Iterator[str]:
    """A nested folder of its own (with a dot in its name), deleted afterwards."""
    parent = f"custodia-test-{uuid.uuid4().hex[:8]}"
    name = f"{parent}/Hold 2024.01"
    allen.create_folder(name)
    try:
        yield name
    finally:
        for folder in (name, parent):
            if allen.folder_exists(folder):
                allen.delete_folder(folder)


def test_greeting_names_dovecot(imap_url: str) -> None:
    parts = urlsplit(imap_url)
    client = IMAPClient(parts.hostname, port=parts.port, ssl=False, timeout=30)
    try:
        assert client.welcome.startswith(b"* OK")
        assert b"Dovecot" in client.welcome
        capabilities = client.capabilities()
        assert b"IMAP4REV1" in capabilities
        assert b"AUTH=PLAIN" in capabilities
        assert b"LOGINDISABLED" not in capabilities  # cleartext login allowed on loopback
    finally:
        client.shutdown()


def test_append_fetch_delete_corpus_message(allen: Any, scratch_folder: str, corpus_dir: Path) -> None:
    raw = (corpus_dir / CORPUS_MESSAGE).read_bytes()
    folders = {name for _flags, _delimiter, name in allen.list_folders()}
    assert scratch_folder in folders
    assert allen.list_folders()[0][1] == b"/"

    before = allen.folder_status(scratch_folder, [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"])
    assert before[b"MESSAGES"] == 0
    response = allen.append(scratch_folder, raw, flags=[b"\\Seen"])
    assert response.startswith(b"[APPENDUID ")
    uidvalidity, uid = (int(part) for part in response[len(b"[APPENDUID ") :].split(b"]")[0].split())
    assert uidvalidity == before[b"UIDVALIDITY"]
    assert uid == before[b"UIDNEXT"]

    selected = allen.select_folder(scratch_folder)
    assert selected[b"EXISTS"] == 1
    assert selected[b"UIDVALIDITY"] == uidvalidity > 0
    assert selected[b"UIDNEXT"] == uid + 1

    fetched = allen.fetch([uid], ["BODY.PEEK[]", "RFC822.SIZE", "ENVELOPE", "FLAGS"])[uid]
    body = fetched[b"BODY[]"]
    # IMAP sends messages with CRLF line ends; the corpus file has LF.
    assert body.replace(b"\r\n", b"\n") == raw
    assert fetched[b"RFC822.SIZE"] == len(body)
    envelope = fetched[b"ENVELOPE"]
    assert envelope.message_id == CORPUS_MESSAGE_ID
    assert not envelope.subject  # the corpus message's Subject is empty
    assert envelope.from_[0].mailbox == b"phillip.allen"
    assert envelope.from_[0].host == b"enron.com"
    assert b"\\Seen" in fetched[b"FLAGS"]
    assert allen.search(["HEADER", "Message-ID", CORPUS_MESSAGE_ID.decode()]) == [uid]

    allen.delete_messages([uid])
    allen.expunge()
    assert allen.search("ALL") == []
    allen.close_folder()
    after = allen.folder_status(scratch_folder, [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"])
    assert after == {b"UIDVALIDITY": uidvalidity, b"UIDNEXT": uid + 1, b"MESSAGES": 0}


def test_wrong_password_is_refused(imap_url: str) -> None:
    with pytest.raises(LoginError):
        imap_connect(imap_url, "clerk-test", "not-the-password")


def test_users_have_separate_mailboxes(imap_url: str, allen: Any, scratch_folder: str) -> None:
    other = imap_connect(imap_url, "BADEER-R@custodia.test")  # case and domain are ignored
    try:
        assert not other.folder_exists(scratch_folder)
    finally:
        other.logout()


def test_clean_mailbox_removes_folders_and_messages(imap_url: str) -> None:
    client = imap_connect(imap_url, "badeer-r")
    try:
        client.create_folder("Cases/2024.07 Water")
        client.append("Cases/2024.07 Water", b"Subject: one\r\n\r\nfirst\r\n")
        client.append("INBOX", b"Subject: two\r\n\r\nsecond\r\n")
        clean_mailbox(client)
        assert [name for _flags, _delimiter, name in client.list_folders()] == ["INBOX"]
        assert client.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"] == 0
    finally:
        client.logout()
