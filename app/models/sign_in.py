"""Failed sign-ins and the lock-outs they cause, in the database so every API process agrees."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ColumnElement, Index, String, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDKey, text_enum


class LockKind(enum.StrEnum):
    username = "username"
    address = "address"  # the client address, across usernames


LOCK_KIND_TYPE = text_enum(LockKind, "lock_kind")


class SignInFailure(UUIDKey, Base):
    """One failed sign-in, kept while it still counts towards a lock-out (see auth.throttle)."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_username", "username", "occurred_at"),
        Index("ix_sign_in_failures_client_address", "client_address", "occurred_at"),
    )

    occurred_at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(64))  # as typed; it may name no user
    client_address: Mapped[str] = mapped_column(String(100))


class Lockout(UUIDKey, Base):
    """Sign-in refused for one username or one client address until a time, or an admin's lift.

    One row per username or address, renewed when it locks again; the audit trail
    keeps every lock-out and lift.
    """

    __tablename__ = "sign_in_lockouts"
    __table_args__ = (UniqueConstraint("kind", "subject"),)

    kind: Mapped[LockKind] = mapped_column(LOCK_KIND_TYPE)
    subject: Mapped[str] = mapped_column(String(100))  # the username or the address
    failures: Mapped[int]  # how many failures locked it
    locked_at: Mapped[datetime]
    locked_until: Mapped[datetime] = mapped_column(index=True)
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(200))

    def is_active(self, now: datetime) -> bool:
        return self.lifted_at is None and self.locked_until > now

    @classmethod
    def active_at(cls, now: datetime) -> ColumnElement[bool]:
        """`is_active` as a condition of a query."""
        return and_(cls.lifted_at.is_(None), cls.locked_until > now)
