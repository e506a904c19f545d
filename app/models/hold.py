"""Legal holds: what must be preserved for a matter, and the documents it covers now.

A hold's membership is materialized in held_documents, one row per (hold, document),
for active holds only: issuing a hold fills it, ingest adds to it as mail lands,
a scope change recomputes it, releasing deletes that hold's rows. A document is held
while it has any row; the rows' foreign key and a trigger on documents refuse its
deletion in the database, whatever code tries.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class HoldStatus(enum.StrEnum):
    draft = "draft"
    active = "active"
    released = "released"


class Hold(UUIDKey, Timestamped, Base):
    """One matter's hold. `version` is the optimistic lock (version_id_col)."""

    __tablename__ = "holds"

    matter_name: Mapped[str] = mapped_column(String(300))
    matter_number: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    attorney: Mapped[str] = mapped_column(String(200))  # the owning attorney's user name
    status: Mapped[HoldStatus] = mapped_column(text_enum(HoldStatus, "hold_status"), index=True)
    # Scope: documents of the custodians (hold_custodians), sent in [date_from, date_to]
    # (either end open), matching `query` (search language; "" is all), from `sources`
    # (Location.source values; empty is all).
    date_from: Mapped[date | None]
    date_to: Mapped[date | None]
    query: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_version: Mapped[int] = mapped_column(Integer, default=1)  # bumped by each rescope
    issued_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    released_reason: Mapped[str] = mapped_column(Text, default="")
    # Custodians who have not acknowledged get a reminder every reminder_days; after
    # escalation_days their supervisor is told.
    reminder_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    escalation_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class HoldCustodian(Base):
    __tablename__ = "hold_custodians"

    hold_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("holds.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), primary_key=True,
                                                 index=True)


class HeldDocument(Base):
    """A document an active hold covers (its whole family is held with it)."""

    __tablename__ = "held_documents"

    hold_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("holds.id"), primary_key=True)
    # No ON DELETE: the database refuses to delete a document that is held.
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), primary_key=True,
                                                   index=True)
    held_at: Mapped[datetime]


class NoticeKind(enum.StrEnum):
    notice = "notice"  # the hold, what to keep, and the link to acknowledge it
    reminder = "reminder"  # not acknowledged yet
    escalation = "escalation"  # to the supervisor of a custodian who has not acknowledged
    release = "release"  # the hold has ended


NOTICE_KIND_TYPE = text_enum(NoticeKind, "notice_kind")


class HoldNoticeTemplate(UUIDKey, Timestamped, Base):
    """One saved wording of a kind of hold notice (Jinja2, sandboxed). Never changed: an
    edit adds the next version; the highest version is the one in use."""

    __tablename__ = "hold_notice_templates"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    kind: Mapped[NoticeKind] = mapped_column(NOTICE_KIND_TYPE)
    version: Mapped[int]
    subject_template: Mapped[str] = mapped_column(Text)
    body_template: Mapped[str] = mapped_column(Text)  # HTML
    created_by: Mapped[str] = mapped_column(String(200))


class HoldAcknowledgement(UUIDKey, Timestamped, Base):
    """What one custodian was asked to acknowledge for one scope of a hold, and did.

    Each notice and reminder carries its own personal link (HoldNotice.token_sha256);
    any of them opens this row until it is acknowledged or superseded. A rescope asks
    again: the earlier row is superseded, not changed.
    """

    __tablename__ = "hold_acknowledgements"
    __table_args__ = (UniqueConstraint("hold_id", "person_id", "scope_version"),)

    hold_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("holds.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    scope_version: Mapped[int]
    recipient: Mapped[str] = mapped_column(String(320), default="")  # "" when none is known
    notified_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    client_address: Mapped[str] = mapped_column(String(100), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]


class HoldNotice(UUIDKey, Timestamped, Base):
    """One notice mailed: its kind, to whom, with which template version, via the outbox;
    a notice or reminder also carries the link (kept as its SHA-256) that acknowledges."""

    __tablename__ = "hold_notices"

    hold_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("holds.id"), index=True)
    acknowledgement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("hold_acknowledgements.id"), index=True)
    token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[NoticeKind] = mapped_column(NOTICE_KIND_TYPE)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hold_notice_templates.id"))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    outbox_message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mail_outbox.id"))
