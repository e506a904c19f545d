"""Secret links that let a requester follow their request without an account."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey


class RequestLink(UUIDKey, Timestamped, Base):
    """Only the token's SHA-256 is kept: the token itself is shown once, when made."""

    __tablename__ = "request_links"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records_requests.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str] = mapped_column(String(200), default="")
