"""Retention: how long each record class is kept, the runs that purge, and what they purged.

A class with no schedule (or a schedule with no days) is kept forever. A purge run
removes the expired families no hold covers and leaves a certificate whose SHA-256 is
kept here; purged_documents remembers the dedup keys, so a re-ingest of the same
mailbox does not bring a purged message back.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey


class RetentionSchedule(Base):
    __tablename__ = "retention_schedules"

    record_class: Mapped[str] = mapped_column(String(64), primary_key=True)
    days: Mapped[int | None]  # None: kept forever (a class the city named, not yet scheduled)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200))


class RetentionRun(UUIDKey, Timestamped, Base):
    """One purge run (or dry run) and the hash of the certificate it wrote."""

    __tablename__ = "retention_runs"

    actor: Mapped[str] = mapped_column(String(200))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    # "schedule", "single_document", "offboarding" or "ingest_clean_up"
    reason: Mapped[str] = mapped_column(String(40))
    families_purged: Mapped[int]
    documents_purged: Mapped[int]
    families_held: Mapped[int]
    certificate_path: Mapped[str] = mapped_column(String(500))  # relative to the data dir
    certificate_sha256: Mapped[str] = mapped_column(String(64))
    schedules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PurgedDocument(Base):
    """A purged top-level document's dedup key: ingest skips an item that has it."""

    __tablename__ = "purged_documents"

    dedup_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[uuid.UUID]
    purged_at: Mapped[datetime]
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("retention_runs.id"), index=True)
