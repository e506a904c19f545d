"""Saved searches: a query kept with who ran it, when, and what it found then."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey


class SavedSearch(UUIDKey, Timestamped, Base):
    __tablename__ = "saved_searches"

    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(64))  # the username, as it was
    # What the search found when it was saved; a later run may find more (new mail).
    hit_count: Mapped[int]
    family_count: Mapped[int]
    engine: Mapped[str] = mapped_column(String(32))
