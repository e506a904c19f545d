"""Outbound mail, one way: a message is queued in the caller's transaction and sent after commit.

`send_later` writes the outbox row; it lands with the change that caused it, or not
at all. A worker sends queued messages over SMTP (app.core.mail_sender) and retries
while the server is down.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address

from sqlalchemy.orm import Session

from app.core.clock import clock_of
from app.core.errors import BadRequest
from app.models.mail import MailStatus, OutboxMessage

MAX_RECIPIENTS = 100
MAX_SUBJECT = 998  # RFC 5322's longest line, and the column's size
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")


@dataclass(frozen=True)
class Attachment:
    filename: str
    sha256: str  # the bytes are in the BlobStore
    media_type: str

    def checked(self) -> dict[str, str]:
        """As stored, refused (400) if a part could carry a header or name no blob."""
        if not self.filename or len(self.filename) > 255 or any(
                c in self.filename for c in "\r\n\0/\\"):
            raise BadRequest("An attachment's file name is one line, without folders.")
        if not _DIGEST.fullmatch(self.sha256):
            raise BadRequest("An attachment is named by the SHA-256 of its stored bytes.")
        if not _MEDIA_TYPE.fullmatch(self.media_type) or len(self.media_type) > 127:
            raise BadRequest("An attachment's media type looks like application/pdf.")
        return {"filename": self.filename, "sha256": self.sha256, "media_type": self.media_type}


_ADDRESS = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_NOT_ONE_ADDRESS = "An e-mail address must be one plain address, like name@example.org."


def checked_address(value: str) -> str:
    """One plain e-mail address, refused (400) if it could smuggle a header or a second one.

    Only the plain ASCII form (RFC 5321's dot-atom at a host name) passes: no display
    name, comment, quoting, domain literal, control character or second address.
    """
    plain = value.strip(" ")
    if len(plain) > 254 or not _ADDRESS.fullmatch(plain):
        raise BadRequest(_NOT_ONE_ADDRESS)
    try:
        address = Address(addr_spec=plain)
    except (HeaderParseError, ValueError, IndexError):
        raise BadRequest(_NOT_ONE_ADDRESS) from None
    if address.addr_spec != plain:
        raise BadRequest(_NOT_ONE_ADDRESS)
    return plain


def send_later(
    session: Session, recipients: Sequence[str], subject: str, text: str, *, html: str = "",
    attachments: Sequence[Attachment] = (), about: tuple[str, str] = ("", ""),
) -> OutboxMessage:
    """Queue one message in the caller's transaction."""
    if not recipients:
        raise BadRequest("A message needs at least one recipient.")
    if len(recipients) > MAX_RECIPIENTS:
        raise BadRequest(f"A message goes to at most {MAX_RECIPIENTS} recipients.")
    if any(c in subject for c in "\r\n\0"):
        raise BadRequest("A subject is one line.")
    if len(subject) > MAX_SUBJECT:
        raise BadRequest(f"A subject is at most {MAX_SUBJECT} characters.")
    if len(about[0]) > 40 or len(about[1]) > 64:
        raise BadRequest("What a message is about is a short type and id.")
    message = OutboxMessage(
        recipients=[checked_address(r) for r in recipients], subject=subject, body_text=text,
        body_html=html, status=MailStatus.queued, next_attempt_at=clock_of(session).now(),
        attachments=[a.checked() for a in attachments],
        about_type=about[0], about_id=about[1],
    )
    session.add(message)
    session.flush()
    return message
