"""Public bodies (the council, boards, commissions) and who sits on them, when.

Open Meetings triage (app.meetings) counts the members of one body who took part in an
e-mail thread; a member counts only for mail sent while they held the seat.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey


class PublicBody(UUIDKey, Timestamped, Base):
    __tablename__ = "public_bodies"

    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # council, board, commission, committee
    seats: Mapped[int]
    # How many members make a quorum, by the body's own rules (often a majority of seats).
    quorum: Mapped[int]


class BodyMembership(UUIDKey, Timestamped, Base):
    __tablename__ = "public_body_members"
    __table_args__ = (UniqueConstraint("body_id", "person_id", "starts_on"),)

    body_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("public_bodies.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    seat: Mapped[str] = mapped_column(String(200), default="")  # "Mayor", "District 2"
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # the last day held; none while serving
