"""Background work: one queue of jobs for every domain, and the periodic tasks that feed it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class JobState(enum.StrEnum):
    queued = "queued"  # waiting for run_after, for its first try or the next after a failure
    running = "running"  # a worker holds its lease
    done = "done"
    dead = "dead"  # failed its last attempt: on the dead-letter list until an admin retries it


class Job(UUIDKey, Timestamped, Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    kind: Mapped[str] = mapped_column(String(100), index=True)  # names its handler
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobState] = mapped_column(
        text_enum(JobState, "job_state"))
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[datetime]
    lease_owner: Mapped[str] = mapped_column(String(200), default="")
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None]


class Schedule(Base):
    """A periodic task: due at next_run_at; the worker that moves next_run_at on runs it."""

    __tablename__ = "schedules"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)  # also its job's kind
    interval_seconds: Mapped[int]
    next_run_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None]
    last_owner: Mapped[str] = mapped_column(String(200), default="")
