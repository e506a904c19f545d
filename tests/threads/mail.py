"""Test mail for threading: e-mail files and Outlook .msg files written here, read by ingest."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from app.core.hashing import sha256
from app.threads.threading import Mail
from ingest import rfc822
from ingest.message import ParsedMessage
from ingest.sources.msg import read_msg
from tests.ingest.msg_builder import compound_file, message

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def eml(subject: str, sender: str, to: str, day: float, body: str, *, message_id: str = "",
        in_reply_to: str = "", references: str = "", thread_index: str = "",
        attachments: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """An e-mail file sent `day` days after START."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = format_datetime(START + timedelta(days=day))
    for name, value in (("Message-ID", message_id and f"<{message_id}>"),
                        ("In-Reply-To", in_reply_to and f"<{in_reply_to}>"),
                        ("References", " ".join(f"<{r}>" for r in references.split())),
                        ("Thread-Index", thread_index)):
        if value:
            mail[name] = value
    mail.set_content(body)
    for filename, data in attachments:
        mail.add_attachment(data, maintype="application", subtype="octet-stream",
                            filename=filename)
    return mail.as_bytes()


def conversation_index(guid: uuid.UUID, depth: int) -> bytes:
    """A Thread-Index: 22 header bytes (a FILETIME, the GUID), then a 5-byte block a reply."""
    return b"\x01\xd7\x00\x00\x00\x00" + guid.bytes + b"".join(
        bytes([0, 0, 0, 1, level]) for level in range(depth))


def outlook_msg(subject: str, sender: str, to: str, day: float, body: str, *,
                index: bytes | None = None, topic: str = "") -> bytes:
    """A .msg with no Internet message ids: only PR_CONVERSATION_INDEX and _TOPIC."""
    date = format_datetime(START + timedelta(days=day))
    strings = {0x007D: f"Date: {date}\r\n"}
    if topic:
        strings[0x0070] = topic
    tree = message(subject, sender=(sender.split("@")[0], sender), to=(to,), body=body,
                   more_strings=strings, binaries={0x0071: index} if index else None)
    return compound_file(tree)


def as_mail(key: str, data: bytes) -> Mail:
    parsed = read_msg(data) if data.startswith(b"\xd0\xcf\x11\xe0") else rfc822.parse(data)
    return from_parsed(key, parsed)


def from_parsed(key: str, parsed: ParsedMessage) -> Mail:
    people = [parsed.sender, *parsed.to, *parsed.cc, *parsed.bcc]
    return Mail(key=key, sent_at=parsed.date, subject=parsed.subject,
                message_id=parsed.message_id, in_reply_to=parsed.in_reply_to,
                references=tuple(parsed.references), thread_index=parsed.thread_index,
                thread_topic=parsed.thread_topic,
                participants=frozenset(p.email for p in people if p is not None and p.email),
                text=parsed.body_text,
                attachments=frozenset(sha256(a.data) for a in parsed.attachments))


def index_text(index: bytes) -> str:
    return base64.b64encode(index).decode()
