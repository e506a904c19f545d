"""The ingest queue, where it may read from, quarantined items, and IMAP sync state."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class IngestJob(UUIDKey, Timestamped, Base):
    """What a clerk asked to ingest and how far it got.

    The job queue (app.core.jobs, kind "ingest") runs it: its queue job holds the
    worker's lease and the retries; this row keeps the checkpoint and the counts.
    """

    __tablename__ = "ingest_jobs"

    custodian: Mapped[str] = mapped_column(String(200))
    # {"type": "path", "paths": [...]} or {"type": "imap", "host": ..., ...}
    source: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[JobStatus] = mapped_column(
        text_enum(JobStatus, "job_status"),
        index=True,
    )
    requested_by: Mapped[str] = mapped_column(String(200))
    # The queue job that runs it. No foreign key: the queue forgets finished jobs after a
    # week (app.core.jobs.prune), and SQLite cannot add one to this table in place.
    queue_job_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)  # how many times a worker started it
    # How far the job got: items already handled are skipped on resume.
    checkpoint: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None]


class IngestError(UUIDKey, Timestamped, Base):
    """A quarantined item: what it was, where it came from, why it was refused."""

    __tablename__ = "ingest_errors"

    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("ingest_jobs.id"), index=True)
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("documents.id"))
    custodian: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(1000), default="")
    folder: Mapped[str] = mapped_column(String(1000), default="")
    source_id: Mapped[str] = mapped_column(String(1000), default="")
    native_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    stage: Mapped[str] = mapped_column(String(20))  # read, parse, extract, index
    reason: Mapped[str] = mapped_column(Text)


class ImapFolderState(UUIDKey, Base):
    """Where the last IMAP pull of one folder stopped."""

    __tablename__ = "imap_folder_states"
    __table_args__ = (UniqueConstraint("account", "folder"),)

    account: Mapped[str] = mapped_column(String(500))  # user@host:port
    folder: Mapped[str] = mapped_column(String(1000))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)


class IngestRoot(UUIDKey, Timestamped, Base):
    """A folder on the workers that an administrator lets clerks ingest from, by name.

    Clerks name a root and a path inside it; nothing outside a root is ever read for them.
    """

    __tablename__ = "ingest_roots"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(1000))  # absolute, as the workers see it
    description: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(200))


class MailConnection(UUIDKey, Timestamped, Base):
    """A mail server account an administrator set up; clerks pick it by name.

    The password is stored encrypted (app.core.secrets) and is never shown again.
    """

    __tablename__ = "mail_connections"

    name: Mapped[str] = mapped_column(String(64), unique=True)
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int]
    security: Mapped[str] = mapped_column(String(16))  # tls, starttls or none
    username: Mapped[str] = mapped_column(String(320))
    password_encrypted: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
