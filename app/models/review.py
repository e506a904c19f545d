"""A request's review set, the reviewers' tags on its documents, and the citations they cite."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class CitationKind(enum.StrEnum):
    mandatory = "mandatory"  # the custodian shall deny (24-72-204(3)(a), (1))
    discretionary = "discretionary"  # the custodian may deny, on the public interest


class ReviewTagName(enum.StrEnum):
    responsive = "responsive"
    not_responsive = "not_responsive"
    privileged = "privileged"
    exempt = "exempt"  # withheld under a citation: the citation is required
    needs_redaction = "needs_redaction"



class Citation(UUIDKey, Timestamped, Base):
    """A ground to withhold, as the city's attorney maintains it (C.R.S. 24-72-204 and others)."""

    __tablename__ = "citations"

    code: Mapped[str] = mapped_column(String(60), unique=True)  # "24-72-204(3)(a)(IV)"
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[CitationKind] = mapped_column(text_enum(CitationKind, "citation_kind", 24))
    note: Mapped[str] = mapped_column(Text, default="")
    effective_from: Mapped[date]
    retired_on: Mapped[date | None]  # cited no more from this day on


class ReviewSetItem(UUIDKey, Timestamped, Base):
    """A document in a request's review set: a snapshot of how and by whom it got there."""

    __tablename__ = "review_set_items"
    __table_args__ = (UniqueConstraint("request_id", "document_id"),)

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records_requests.id"), index=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), index=True)
    query: Mapped[str] = mapped_column(Text, default="")  # "" when added by id
    via_family: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_by: Mapped[str] = mapped_column(String(200))


class ReviewTag(UUIDKey, Timestamped, Base):
    """One reviewer's decision on one document of one request, with its ground where it has one.

    The redaction and release steps read these: exempt and privileged documents are withheld
    (or redacted) under `citation_code`, needs_redaction ones go to redaction.
    """

    __tablename__ = "review_tags"
    __table_args__ = (UniqueConstraint("request_id", "document_id", "tag"),)

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records_requests.id"), index=True)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), index=True)
    tag: Mapped[ReviewTagName] = mapped_column(text_enum(ReviewTagName, "review_tag", 24))
    citation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citations.id"))
    citation_code: Mapped[str] = mapped_column(String(60), default="")  # as it was cited
    note: Mapped[str] = mapped_column(Text, default="")
    tagged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    tagged_by: Mapped[str] = mapped_column(String(200))
    tagged_at: Mapped[datetime]
