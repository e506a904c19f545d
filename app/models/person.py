"""The custodian directory: the people whose records the city keeps.

Ingest files mail under a custodian name (a mailbox's owner, "allen-p"); a person
maps to one or more of those names, and has one or more e-mail addresses, old ones
included. Requests and holds both name people from here.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class PersonStatus(enum.StrEnum):
    active = "active"
    departed = "departed"  # left the city on departed_on; their records stay


class Person(UUIDKey, Timestamped, Base):
    __tablename__ = "people"

    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    supervisor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[PersonStatus] = mapped_column(text_enum(PersonStatus, "person_status"))
    departed_on: Mapped[date | None]


class PersonEmail(Base):
    """An address a person uses or used; one address belongs to one person."""

    __tablename__ = "person_emails"

    address: Mapped[str] = mapped_column(String(320), primary_key=True)  # lower-case
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    current: Mapped[bool] = mapped_column(default=True)


class PersonCustodian(Base):
    """An ingest custodian name (Location.custodian) that is this person's mail."""

    __tablename__ = "person_custodians"

    custodian: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
