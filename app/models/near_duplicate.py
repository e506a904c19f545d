"""Near-duplicate groups: a MinHash signature per top-level document, the LSH bands of
each group's pivot, and the group each document joined (app.near_duplicates).

A group's pivot is the member it is compared against: the first to arrive, or, after a
rebuild, the one with the longest text. Each member keeps its estimated similarity to the
pivot as computed when it joined, so a later arrival changes no other member's row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey


class NearDuplicateGroup(UUIDKey, Timestamped, Base):
    __tablename__ = "near_duplicate_groups"

    pivot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), unique=True)


class NearDuplicate(Base):
    """One top-level document's signature and group (none when it has no words)."""

    __tablename__ = "near_duplicates"

    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("near_duplicate_groups.id"), index=True)
    similarity: Mapped[float] = mapped_column(Float, default=1.0)  # to the pivot, 0..1
    scheme: Mapped[str] = mapped_column(String(40))  # how the signature was made
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # empty: no words to compare
    text_length: Mapped[int] = mapped_column(Integer, default=0)  # characters, attachments too
    assigned_at: Mapped[datetime]


class NearDuplicateBand(Base):
    """One LSH band of a pivot's signature: an arriving document is compared with the
    pivots it shares a band with, and no others."""

    __tablename__ = "near_duplicate_bands"

    band: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id"), primary_key=True, index=True)
