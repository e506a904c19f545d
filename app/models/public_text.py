"""Texts the city publishes on the portal (its CORA policy, its fee schedule), edited by admins."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDKey, text_enum


class PublicTextKey(enum.StrEnum):
    cora_policy = "cora_policy"
    fee_schedule = "fee_schedule"


class PublicText(UUIDKey, Base):
    """One text in one language; shown to the public as plain paragraphs, never as HTML."""

    __tablename__ = "public_texts"
    __table_args__ = (UniqueConstraint("key", "language"),)

    key: Mapped[PublicTextKey] = mapped_column(text_enum(PublicTextKey, "public_text_key", 24))
    language: Mapped[str] = mapped_column(String(8))  # a key of app.ui.i18n.LANGUAGES
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_by_id: Mapped[uuid.UUID | None]
