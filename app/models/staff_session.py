"""Signed-in browser sessions of staff (the web UI): the cookie holds a random token,
this table only its SHA-256, so a copy of the database opens no session."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamped, UUIDKey
from app.models.user import User


class StaffSession(UUIDKey, Timestamped, Base):
    __tablename__ = "staff_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    client_address: Mapped[str] = mapped_column(String(64), default="")
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # "signed_out", "idle" or "expired": why it ended, as the audit trail says too
    ended_because: Mapped[str] = mapped_column(String(20), default="")
    user: Mapped[User] = relationship(lazy="joined")
