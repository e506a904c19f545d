"""The copy of a document that a search engine holds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from search import analysis


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
    date: str | None = None  # ISO 8601 with offset
    month: str = ""  # YYYY-MM of `date` in the city's time zone
    sender_domain: str = ""
    sender_address: str = ""  # exact, lower-cased
    recipient_addresses: list[str] = field(default_factory=list)  # to, cc, bcc: exact, lower-cased
    filename: str = ""
    content_type: str = ""
    has_attachment: bool = False
    thread_id: str = ""
    inclusive: bool | None = None  # e-mails only: see app.threads
    near_duplicate_group: str = ""  # the id of its near-duplicate group, if it is in one
    # The catalog's generation of this copy: an engine keeps the newest copy it was sent,
    # whichever arrives last (two workers may index one document at once).
    version: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def streams(self) -> dict[str, str]:
        """Each text field as the engines index it (search.analysis); lists become one value."""
        return {
            "subject": analysis.stream(self.subject), "body": analysis.stream(self.body),
            "sender": analysis.stream(self.sender), "to": analysis.stream(" ".join(self.to)),
            "cc": analysis.stream(" ".join(self.cc)), "bcc": analysis.stream(" ".join(self.bcc)),
            "filename": analysis.stream(self.filename),
        }


class IndexUnavailable(Exception):
    """The engine could not be reached; the batch stays pending and is retried."""
