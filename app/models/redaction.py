"""Redactions: spans on a document's text, suggested by a detector or drawn by a reviewer.

A span belongs to the text it sits on, not to one document: `text_sha256` is the SHA-256
of that text (UTF-8), so every document with the same text (a duplicate in any family)
carries the same redactions, and a document released before is redacted the same way
again until a reviewer changes it (each change audited). Offsets count characters of
that text; `quote` is the text between them, kept so a shifted text can never silently
move a redaction onto other words.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class RedactionStatus(enum.StrEnum):
    suggested = "suggested"  # a detector found it; nobody has decided yet
    accepted = "accepted"  # redacted in every release: reason, citation and reviewer required
    rejected = "rejected"  # a reviewer decided it stays readable


class Redaction(UUIDKey, Timestamped, Base):
    __tablename__ = "redactions"
    __table_args__ = (UniqueConstraint("text_sha256", "start", "end"),)

    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    # The document it was found or drawn on (any document with the same text shares it).
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), index=True)
    # The request whose review it came from, if any (a hold's production has none).
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("records_requests.id"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    quote: Mapped[str] = mapped_column(Text)
    detector: Mapped[str] = mapped_column(String(40))  # "ssn", "card", ..., "manual", "every_instance"
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[RedactionStatus] = mapped_column(text_enum(RedactionStatus, "redaction_status"),
                                                    index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    citation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citations.id"))
    citation_code: Mapped[str] = mapped_column(String(60), default="")  # as cited
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer: Mapped[str] = mapped_column(String(200), default="")
    reviewed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer)  # a decision names the version it read

    __mapper_args__ = {"version_id_col": version}
