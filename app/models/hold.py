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

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
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
