"""Outbound mail: written to the outbox in the transaction that caused it, sent after commit."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class MailStatus(enum.StrEnum):
    queued = "queued"  # waiting for its first try, or for the next after a failure
    sent = "sent"
    failed = "failed"  # given up after its last attempt: on the dead-letter list


class OutboxMessage(UUIDKey, Timestamped, Base):
    __tablename__ = "mail_outbox"

    recipients: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(998))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # [{"filename": ..., "sha256": ..., "media_type": ...}]: bytes in the BlobStore
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # What the message is about, so a request can show its own mail and failures.
    about_type: Mapped[str] = mapped_column(String(40), default="", index=True)
    about_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    status: Mapped[MailStatus] = mapped_column(
        text_enum(MailStatus, "mail_status"),
        index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str] = mapped_column(String(300), default="")
