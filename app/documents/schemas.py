from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class LocationOut(BaseModel):
    custodian: str
    source: str
    folder: str
    source_id: str
    native_sha256: str


THREAD_SHOWN = 500


class FamilyMember(BaseModel):
    id: uuid.UUID
    kind: str
    parent_id: uuid.UUID | None
    position: int
    subject: str
    filename: str
    content_type: str


class ThreadMember(BaseModel):
    """An e-mail of the document's thread (app.threads), oldest first."""

    id: uuid.UUID
    subject: str
    sender: dict[str, str] | None
    sent_at: datetime | None
    inclusive: bool | None


class DocumentOut(BaseModel):
    id: uuid.UUID
    kind: str
    family_id: uuid.UUID
    parent_id: uuid.UUID | None
    position: int
    subject: str
    sender: dict[str, str] | None
    recipients: dict[str, list[dict[str, str]]]
    sent_at: datetime | None
    sent_at_local: str | None
    date_header: str
    message_id: str
    in_reply_to: str
    references: list[str]
    thread_id: str
    thread_topic: str  # Outlook's Thread-Topic, where the mail had one
    inclusive: bool | None = Field(description=(
        "E-mails: no later message of the thread holds all its text and attachments "
        "(read it); false: a later one does. None for other documents."))
    filename: str
    content_type: str
    size: int
    native_sha256: str | None
    voicemail: dict[str, Any] | None
    audio_document_id: uuid.UUID | None
    text: str
    text_status: str
    extract_error: str
    locations: list[LocationOut]
    family: list[FamilyMember]
    thread: list[ThreadMember] = Field(description=(
        f"The e-mails of its thread, oldest first (at most {THREAD_SHOWN}); empty for "
        "documents that are no e-mail"))
