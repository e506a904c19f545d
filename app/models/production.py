"""Productions: Bates-stamped release packages built from a request's review set or a
hold's documents, and the numbering series they draw from."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class BatesSeries(UUIDKey, Timestamped, Base):
    """A Bates prefix for the city or one matter: numbers continue across its productions.

    `next_number` moves only when a production is finalized, so a discarded draft leaves
    no gap and two finalized productions never overlap.
    """

    __tablename__ = "bates_series"

    prefix: Mapped[str] = mapped_column(String(20), unique=True)  # "CITY", "SMITH-V-CITY"
    digits: Mapped[int] = mapped_column(Integer, default=6)
    next_number: Mapped[int] = mapped_column(BigInteger, default=1)
    # Stamped on every page beside the number ("Produced under CORA request 2026-0001").
    endorsement: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class ProductionStatus(enum.StrEnum):
    draft = "draft"  # its documents and decisions are snapshotted; not built yet
    built = "built"  # the package exists; the leak verifier has not passed it
    blocked = "blocked"  # the verifier found redacted text in the output: see the report
    verified = "verified"  # the verifier passed the package as built
    finalized = "finalized"  # numbers taken from the series; may be released
    released = "released"  # offered to the requester until expires_on


class Production(UUIDKey, Timestamped, Base):
    __tablename__ = "productions"
    __table_args__ = (UniqueConstraint("series_id", "volume"),)

    name: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("records_requests.id"), index=True)
    hold_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("holds.id"), index=True)
    series_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bates_series.id"))
    volume: Mapped[str] = mapped_column(String(20))  # "VOL001", the series' n-th production
    status: Mapped[ProductionStatus] = mapped_column(text_enum(ProductionStatus, "production_status"),
                                                     index=True)
    endorsement: Mapped[str] = mapped_column(Text, default="")
    first_number: Mapped[int] = mapped_column(BigInteger)  # Bates of its first page
    last_number: Mapped[int | None] = mapped_column(BigInteger)  # known once built
    # The day stamped into every zip entry and PDF: a rebuild reproduces the bytes.
    package_date: Mapped[date]
    package_sha256: Mapped[str] = mapped_column(String(64), default="")
    package_size: Mapped[int] = mapped_column(BigInteger, default=0)
    verification: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the verifier's report
    built_at: Mapped[datetime | None]
    finalized_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    expires_on: Mapped[date | None]  # the requester's download ends after this day
    created_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class Disposition(enum.StrEnum):
    produced = "produced"  # rendered (or its native) without redaction
    redacted = "redacted"  # rendered with black boxes
    withheld = "withheld"  # a slip sheet stands for it: privileged or exempt, with a citation


class ProductionDocument(Base):
    """One document of a production as it was decided when the production was drafted:
    what is produced, redacted or withheld, and the spans, so a rebuild is the same."""

    __tablename__ = "production_documents"

    production_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("productions.id", ondelete="CASCADE"),
                                                     primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # order in the volume
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), index=True)
    disposition: Mapped[Disposition] = mapped_column(text_enum(Disposition, "production_disposition"))
    withheld_ground: Mapped[str] = mapped_column(Text, default="")  # "privileged", "exempt"
    citation_code: Mapped[str] = mapped_column(String(60), default="")
    # The accepted spans as they were: [{"start", "end", "quote", "citation", "reason", "reviewer"}]
    redactions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    begin_bates: Mapped[str] = mapped_column(String(40), default="")  # set when built
    end_bates: Mapped[str] = mapped_column(String(40), default="")
    pages: Mapped[int] = mapped_column(Integer, default=0)


class ReleaseDownload(UUIDKey, Base):
    """A requester's download of a released package (also in the audit trail)."""

    __tablename__ = "release_downloads"

    production_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("productions.id"), index=True)
    downloaded_at: Mapped[datetime]
    client_address: Mapped[str] = mapped_column(String(100), default="")
