"""The record model: blobs, documents in families, where each was found, and its text."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class Blob(Base):
    """Native bytes, stored once under the data directory, named by their SHA-256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class DocumentKind(enum.StrEnum):
    email = "email"
    voicemail = "voicemail"
    attachment = "attachment"  # a file inside an e-mail, or inside another file


class TextStatus(enum.StrEnum):
    ok = "ok"
    empty = "empty"  # nothing to extract (an image, audio)
    failed = "failed"  # quarantined: see extract_error; retried when retryable



def default_record_class(kind: DocumentKind | str) -> str:
    """A new document's retention class by its kind; an attachment takes its family's
    (ingest sets it from the parent; this default is for a parent-less insert)."""
    return "voicemail" if kind == DocumentKind.voicemail else "email"


def _record_class_default(context: Any) -> str:
    return default_record_class(context.get_current_parameters().get("kind", "email"))


class Document(UUIDKey, Timestamped, Base):
    """What a person sees and cites. Top-level documents are deduplicated; children never are."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_pending_index", "indexed_at"),)

    kind: Mapped[DocumentKind] = mapped_column(text_enum(DocumentKind, "document_kind"))
    # Its retention class (app.retention): the whole family shares the top-level one's.
    record_class: Mapped[str] = mapped_column(String(64), index=True,
                                              default=_record_class_default,
                                              server_default="email")
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # Content hash of a top-level item's normalized fields: equal for the same message
    # wherever it was found, whatever headers each copy's mailbox added.
    dedup_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    blob_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    native_format: Mapped[str] = mapped_column(String(20), default="")
    content_type: Mapped[str] = mapped_column(String(200), default="")
    filename: Mapped[str] = mapped_column(String(500), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    subject: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[dict[str, str] | None] = mapped_column(JSON)
    recipients: Mapped[dict[str, list[dict[str, str]]]] = mapped_column(JSON, default=dict)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    date_header: Mapped[str] = mapped_column(String(200), default="")
    message_id: Mapped[str] = mapped_column(String(500), default="", index=True)
    in_reply_to: Mapped[str] = mapped_column(String(500), default="", index=True)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Outlook's Thread-Index (base64) and Thread-Topic, for mail with no message ids; the
    # index's conversation GUID and the normalized subject are kept to find a thread's kin.
    thread_index: Mapped[str] = mapped_column(Text, default="", server_default="")
    thread_topic: Mapped[str] = mapped_column(Text, default="", server_default="")
    conversation_id: Mapped[str] = mapped_column(String(32), default="", server_default="",
                                                 index=True)
    thread_subject: Mapped[str] = mapped_column(String(200), default="", server_default="",
                                                index=True)
    # Set by app.threads: the e-mail's thread, and whether a reviewer must read it (no
    # later message of the thread holds its text and attachments). None for non-e-mail.
    thread_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    inclusive: Mapped[bool | None] = mapped_column(index=True)
    voicemail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    text_status: Mapped[TextStatus] = mapped_column(text_enum(TextStatus, "text_status"))
    extract_error: Mapped[str] = mapped_column(Text, default="")
    extract_attempts: Mapped[int] = mapped_column(default=0)
    # Pending for the search index while indexed_at is empty. Every change the index copy
    # must show bumps the generation (ingest.indexer.index_again), and the indexer marks a
    # document indexed only if its generation is still the one it sent.
    indexed_at: Mapped[datetime | None]
    generation: Mapped[int] = mapped_column(default=1, server_default="1")
    index_error: Mapped[str] = mapped_column(Text, default="")

    text: Mapped[DocumentText | None] = relationship(
        back_populates="document", cascade="all, delete-orphan", lazy="select"
    )
    locations: Mapped[list[Location]] = relationship(
        # Loaded when asked for: a document is read far more often than its locations.
        back_populates="document", cascade="all, delete-orphan", lazy="select"
    )


class DocumentText(Base):
    __tablename__ = "document_texts"

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    extractor: Mapped[str] = mapped_column(String(100))
    document: Mapped[Document] = relationship(back_populates="text")


class Location(UUIDKey, Timestamped, Base):
    """Where a top-level document was found. One document, many locations."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("custodian", "source", "source_id"),)

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), index=True)
    custodian: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(String(1000))  # the mailbox, file or IMAP account
    folder: Mapped[str] = mapped_column(String(1000), default="")
    source_id: Mapped[str] = mapped_column(String(1000))  # the source's own id for the item
    native_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ingest_jobs.id"))
    document: Mapped[Document] = relationship(back_populates="locations")
