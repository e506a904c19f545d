"""send_later: a message is queued in the caller's transaction; hostile addresses never are."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.db import Database
from app.core.errors import BadRequest
from app.core.mail import Attachment, checked_address, send_later
from app.models import MailStatus, OutboxMessage

DIGEST = "ab" * 32


@pytest.mark.parametrize("value", [
    "requester@example.org\r\nBcc: everyone@example.org",  # header injection
    "requester@example.org\nBcc: everyone@example.org",
    "requester@example.org\r",
    "a@example.org, b@example.org",  # two addresses
    "a@example.org;b@example.org",
    "a@example.org b@example.org",
    "Ann Smith <ann@example.org>",  # a display name
    '"ann"@example.org',
    "ann@example.org (Ann)",  # a comment
    "ann@[127.0.0.1]",  # a domain literal
    "ann@localhost",
    "ann@@example.org",
    "ann",
    "",
    "ann@exa mple.org",
    "ann\x00@example.org",
    "ann@example.org\x0b",
    "ann@ex\u00e4mple.org",
    "=?utf-8?q?ann?=@example.org",
    "a" * 250 + "@example.org",
])
def test_an_address_that_could_carry_a_header_or_a_second_address_is_refused(value: str) -> None:
    with pytest.raises(BadRequest, match="one plain address"):
        checked_address(value)


@pytest.mark.parametrize("value", ["clerk@city.gov", " clerk@city.gov ",
                                   "o'brien+cora@city-hall.example.org"])
def test_a_plain_address_passes(value: str) -> None:
    assert checked_address(value) == value.strip()


def count(database: Database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


@pytest.mark.parametrize(("recipients", "subject", "attachments", "error"), [
    ([], "Hello", [], "at least one recipient"),
    (["a@example.org", "b@example.org\r\nBcc: c@example.org"], "Hello", [], "one plain address"),
    (["a@example.org"], "Your request\r\nBcc: c@example.org", [], "one line"),
    (["a@example.org"], "Your request\nX-Priority: 1", [], "one line"),
    (["a@example.org"], "x" * 999, [], "at most 998"),
    (["a@example.org"] * 101, "Hello", [], "at most 100"),
    (["a@example.org"], "Hi", [Attachment("a\r\nX-Evil: 1.pdf", DIGEST, "application/pdf")],
     "file name"),
    (["a@example.org"], "Hi", [Attachment("../etc/passwd", DIGEST, "text/plain")], "file name"),
    (["a@example.org"], "Hi", [Attachment("a.pdf", "../" + DIGEST, "application/pdf")], "SHA-256"),
    (["a@example.org"], "Hi", [Attachment("a.pdf", DIGEST, "application/pdf\r\nX: 1")],
     "media type"),
])
def test_a_refused_message_leaves_nothing_queued(frozen_db: Database, recipients: list[str],
                                                 subject: str, attachments: list[Attachment],
                                                 error: str) -> None:
    with pytest.raises(BadRequest, match=error), frozen_db.transaction() as session:
        send_later(session, recipients, subject, "text", attachments=attachments)
    assert count(frozen_db) == 0


def test_a_message_is_queued_with_the_callers_change_or_not_at_all(frozen_db: Database) -> None:
    with pytest.raises(RuntimeError), frozen_db.transaction() as session:
        send_later(session, ["a@example.org"], "Hi", "text")
        raise RuntimeError("the request's change failed")
    assert count(frozen_db) == 0
    with frozen_db.transaction() as session:
        message = send_later(session, [" a@example.org"], "Your CORA request", "text",
                             attachments=[Attachment("letter.pdf", DIGEST, "application/pdf")],
                             about=("records_request", "R-1"))
    assert message.status == MailStatus.queued and message.recipients == ["a@example.org"]
    assert message.next_attempt_at == frozen_db.clock.now() and message.attempts == 0
    assert message.attachments == [{"filename": "letter.pdf", "sha256": DIGEST,
                                    "media_type": "application/pdf"}]
