"""The copy of a document that a search engine holds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class IndexDoc:
    id: str
    family_id: str
    kind: str  # email, voicemail, attachment
    parent_id: str | None = None
    custodians: list[str] = field(default_factory=list)
    subject: str = ""
    body: str = ""  # the message body, the attachment's text or the voicemail transcript
    sender: str = ""  # "Name <address>"
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    date: str | None = None  # ISO 8601 in UTC
    filename: str = ""
    content_type: str = ""
    has_attachment: bool = False
    thread_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class IndexUnavailable(Exception):
    """The engine could not be reached; the batch stays pending and is retried."""
