"""A message as every mail source hands it to the pipeline, whatever its format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Address:
    email: str  # lower-cased when it looks like an address; kept as found otherwise
    name: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"email": self.email, "name": self.name}


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False


@dataclass
class ParsedMessage:
    """Normalized fields of one e-mail; `date` is timezone-aware UTC or None."""

    subject: str = ""
    sender: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    date: datetime | None = None
    date_header: str = ""  # the original Date header (or its source's equivalent), verbatim
    message_id: str = ""  # without angle brackets
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    # Outlook's conversation (PR_CONVERSATION_INDEX, base64 as the Thread-Index header has
    # it) and its topic (PR_CONVERSATION_TOPIC, Thread-Topic): threads mail with no ids.
    thread_index: str = ""
    thread_topic: str = ""
    body_text: str = ""
    body_html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    # Headers a voicemail system or a source adds (X-CallingTelephoneNumber, X-Folder...).
    headers: dict[str, str] = field(default_factory=dict)
    # Problems met while parsing that did not stop it (bad charset, truncated part...).
    defects: list[str] = field(default_factory=list)
