"""Outbound mail, one way: a message is queued in the caller's transaction and sent after commit.

`send_later` writes the outbox row; it lands with the change that caused it, or not
at all. A worker sends queued messages over SMTP (app.core.mail_sender) and retries
while the server is down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

from sqlalchemy.orm import Session

from app.core.clock import clock_of
from app.core.errors import BadRequest
from app.models.mail import MailStatus, OutboxMessage


@dataclass(frozen=True)
class Attachment:
    filename: str
    sha256: str  # the bytes are in the BlobStore
    media_type: str


def checked_address(value: str) -> str:
    """One plain e-mail address, refused (400) if it could smuggle a header or a second one."""
    if any(c in value for c in "\r\n,;<>\"") or value.count("@") != 1:
        raise BadRequest("An e-mail address must be one plain address, like name@example.org.")
    try:
        address = Address(addr_spec=value.strip())
    except (HeaderParseError, ValueError, IndexError):
        raise BadRequest("An e-mail address must be one plain address, like name@example.org.") \
            from None
    if not address.username or "." not in address.domain:
        raise BadRequest("An e-mail address must be one plain address, like name@example.org.")
    return address.addr_spec


def send_later(
    session: Session, recipients: Sequence[str], subject: str, text: str, *, html: str = "",
    attachments: Sequence[Attachment] = (), about: tuple[str, str] = ("", ""),
) -> OutboxMessage:
    """Queue one message in the caller's transaction."""
    if not recipients:
        raise BadRequest("A message needs at least one recipient.")
    if "\r" in subject or "\n" in subject:
        raise BadRequest("A subject is one line.")
    message = OutboxMessage(
        recipients=[checked_address(r) for r in recipients], subject=subject, body_text=text,
        body_html=html, status=MailStatus.queued, next_attempt_at=clock_of(session).now(),
        attachments=[{"filename": a.filename, "sha256": a.sha256, "media_type": a.media_type}
                     for a in attachments],
        about_type=about[0], about_id=about[1],
    )
    session.add(message)
    session.flush()
    return message
