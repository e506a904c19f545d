"""Letters to requesters: templates the city edits (each edit a new version) and letters sent."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class LetterKind(enum.StrEnum):
    acknowledgement = "acknowledgement"
    extension_notice = "extension_notice"
    fee_estimate = "fee_estimate"
    denial = "denial"  # whole or partial: the letter lists each ground cited
    closing = "closing"


LETTER_KIND_TYPE = text_enum(LetterKind, "letter_kind", 24)


class LetterTemplate(UUIDKey, Timestamped, Base):
    """The city's wording for one kind of letter; its text lives in numbered versions."""

    __tablename__ = "letter_templates"

    kind: Mapped[LetterKind] = mapped_column(LETTER_KIND_TYPE, unique=True)
    name: Mapped[str] = mapped_column(String(200))


class LetterTemplateVersion(UUIDKey, Timestamped, Base):
    """One saved wording. Never changed: an edit adds the next version."""

    __tablename__ = "letter_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("letter_templates.id"), index=True)
    version: Mapped[int]
    subject_template: Mapped[str] = mapped_column(Text)
    body_template: Mapped[str] = mapped_column(Text)  # Jinja2 HTML, rendered in a sandbox
    created_by: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Letter(UUIDKey, Timestamped, Base):
    """A letter as it was made: the version used, what it was filled with, its bytes' hashes."""

    __tablename__ = "letters"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records_requests.id"), index=True)
    kind: Mapped[LetterKind] = mapped_column(LETTER_KIND_TYPE)
    template_version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("letter_template_versions.id"))
    subject: Mapped[str] = mapped_column(String(998))
    # The bytes are in the BlobStore, by SHA-256.
    html_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    pdf_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    # The context the template was rendered with, so the letter can be explained again.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipient: Mapped[str] = mapped_column(String(320), default="")  # "" when not e-mailed
    created_by: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outbox_message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("mail_outbox.id"))
