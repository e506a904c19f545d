from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class MailAttachmentOut(BaseModel):
    filename: str
    sha256: str
    media_type: str


class MailOut(BaseModel):
    """An outbound message as its case file shows it: where it went and how it fared."""

    id: uuid.UUID
    recipients: list[str]
    subject: str
    attachments: list[MailAttachmentOut]
    about_type: str
    about_id: str
    status: str  # queued, sent, failed (given up after its last attempt)
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    sent_at: datetime | None
    message_id: str
    created_at: datetime
