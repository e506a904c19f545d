"""Smoke tests: the SMTP server started by scripts/services.sh accepts and keeps mail.

``scripts/services.sh up smtp`` runs scripts/services/smtp_sink.py (aiosmtpd) on
``CUSTODIA_TEST_SMTP_URL`` (smtp://127.0.0.1:10025). Each accepted message is
kept in ``CUSTODIA_TEST_SMTP_OUTBOX`` as ``<id>.eml`` (the bytes received) and
``<id>.json`` (the envelope); recipients @custodia.test are also delivered to
the test Dovecot, where IMAP reads them.
"""

from __future__ import annotations

import json
import smtplib
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.services.test_dovecot import imap_connect

SMTP_USER = SMTP_PASSWORD = "custodia"
MAIL_DOMAIN = "custodia.test"


def smtp_connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    return smtplib.SMTP(parts.hostname or "127.0.0.1", parts.port or 25, timeout=30)


def hold_notice(to: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"records-clerk@{MAIL_DOMAIN}"
    message["To"] = to
    message["Subject"] = "Legal hold notice — Case 2024-017 (préservation)"
    message["Message-ID"] = make_msgid(idstring=uuid.uuid4().hex, domain=MAIL_DOMAIN)
    message.set_content(body)
    return message


BODY = (
    "You are a custodian in Case 2024-017.\n"
    ".A line that starts with a dot (SMTP dot-stuffing must undo itself).\n"
    "..\n"
    "Non-ASCII: Zoë, Ångström, 東京, €.\n"
    "Do not delete e-mail about the water-main contract.\n"
)


def body_text(message: Any) -> str:
    """A parsed message's text; on the wire (and so in .eml files) lines end in CRLF."""
    text: str = message.get_content()
    return text.replace("\r\n", "\n")


def find_in_outbox(outbox: Path, message_id: str, timeout: float = 10.0) -> tuple[bytes, dict[str, Any]]:
    """The .eml bytes and the envelope of the outbox message with this Message-ID."""
    deadline = time.monotonic() + timeout
    while True:
        for eml in outbox.glob("*.eml"):
            data = eml.read_bytes()
            if message_from_bytes(data, policy=policy.default)["Message-ID"] == message_id:
                envelope = json.loads(eml.with_suffix(".json").read_text())
                return data, envelope
        if time.monotonic() > deadline:
            pytest.fail(f"{message_id} never reached the outbox {outbox}")
        time.sleep(0.1)


def remove_from_outbox(outbox: Path, envelope: dict[str, Any]) -> None:
    for suffix in (".eml", ".json"):
        (outbox / f"{envelope['id']}{suffix}").unlink(missing_ok=True)


def test_server_speaks_esmtp(smtp_url: str) -> None:
    with smtp_connect(smtp_url) as smtp:
        code, _ = smtp.ehlo("custodia-tests")
        assert code == 250
        for extension in ("8bitmime", "smtputf8", "size", "auth"):
            assert smtp.has_extn(extension), extension
        assert "PLAIN" in smtp.esmtp_features["auth"].split()
        assert smtp.noop()[0] == 250


def test_message_is_kept_in_outbox_intact(smtp_url: str, smtp_outbox: Path) -> None:
    message = hold_notice("custodian@example.org", BODY)
    with smtp_connect(smtp_url) as smtp:
        refused = smtp.send_message(
            message, from_addr=f"records@{MAIL_DOMAIN}", to_addrs=["custodian@example.org", "cc@example.org"]
        )
    assert refused == {}

    data, envelope = find_in_outbox(smtp_outbox, message["Message-ID"])
    try:
        # Exactly the bytes smtplib put on the wire, before dot-stuffing.
        assert data == message.as_bytes(policy=policy.SMTP)
        kept = message_from_bytes(data, policy=policy.default)
        assert kept["Subject"] == message["Subject"]
        assert body_text(kept) == BODY
        assert envelope["mail_from"] == f"records@{MAIL_DOMAIN}"
        assert envelope["rcpt_tos"] == ["custodian@example.org", "cc@example.org"]
        assert envelope["delivered_to_dovecot"] == []
        assert envelope["size"] == len(data)
        assert envelope["auth_login"] is None
        assert envelope["peer"][0] == "127.0.0.1"
    finally:
        remove_from_outbox(smtp_outbox, envelope)


def test_auth_with_the_test_credentials(smtp_url: str, smtp_outbox: Path) -> None:
    with smtp_connect(smtp_url) as smtp:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login(SMTP_USER, "wrong")
        smtp.login(SMTP_USER, SMTP_PASSWORD)
        message = hold_notice("custodian@example.org", "Authenticated.\n")
        smtp.send_message(message)
    _, envelope = find_in_outbox(smtp_outbox, message["Message-ID"])
    remove_from_outbox(smtp_outbox, envelope)
    assert envelope["auth_login"] == SMTP_USER


def test_local_recipient_reads_it_by_imap(smtp_url: str, smtp_outbox: Path, imap_url: str) -> None:
    message = hold_notice(f"Clerk Test <clerk-test@{MAIL_DOMAIN}>", BODY)
    with smtp_connect(smtp_url) as smtp:
        assert smtp.send_message(message) == {}
    _, envelope = find_in_outbox(smtp_outbox, message["Message-ID"])
    remove_from_outbox(smtp_outbox, envelope)
    assert envelope["delivered_to_dovecot"] == [f"clerk-test@{MAIL_DOMAIN}"]

    imap = imap_connect(imap_url, "clerk-test")
    try:
        imap.select_folder("INBOX")
        uids = imap.search(["HEADER", "Message-ID", message["Message-ID"]])
        assert len(uids) == 1
        raw = imap.fetch(uids, ["BODY.PEEK[]"])[uids[0]][b"BODY[]"]
        delivered = message_from_bytes(raw, policy=policy.default)
        assert delivered["Subject"] == message["Subject"]
        assert body_text(delivered) == BODY
        assert delivered["Return-Path"] == f"<records-clerk@{MAIL_DOMAIN}>"
        imap.delete_messages(uids)
        imap.expunge()
    finally:
        imap.logout()


def test_unknown_local_user_is_refused_at_rcpt(smtp_url: str) -> None:
    with smtp_connect(smtp_url) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.send_message(hold_notice(f"nobody@{MAIL_DOMAIN}", "Lost.\n"))
    code, reply = refused.value.recipients[f"nobody@{MAIL_DOMAIN}"]
    assert code == 550
    assert b"5.1.1" in reply
