"""A records request under CORA: the clerk's case file."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum


class RequesterCategory(enum.StrEnum):
    general = "general"
    news_media = "news_media"
    commercial = "commercial"


class Channel(enum.StrEnum):
    web = "web"
    email = "email"
    mail = "mail"
    phone = "phone"
    in_person = "in_person"
    portal = "portal"  # the public portal's form (/portal/requests/new)


class RequestStatus(enum.StrEnum):
    received = "received"
    in_progress = "in_progress"
    awaiting_payment = "awaiting_payment"
    fulfilled = "fulfilled"
    partially_denied = "partially_denied"
    denied = "denied"
    withdrawn = "withdrawn"
    closed = "closed"



class RecordsRequest(UUIDKey, Timestamped, Base):
    """One request: who asked, for what, when, and where its clock stands.

    `version` is SQLAlchemy's version_id_col: two clerks who save the same version
    cannot both win; the second gets a conflict instead of overwriting the first.
    """

    __tablename__ = "records_requests"

    number: Mapped[str] = mapped_column(String(20), unique=True)  # "2026-0001", shown to people
    # CORA lets no one demand identification: only a name (perhaps "anonymous") is needed.
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str] = mapped_column(String(320), default="")
    requester_contact: Mapped[str] = mapped_column(Text, default="")  # phone, postal address
    requester_organization: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[RequesterCategory] = mapped_column(
        text_enum(RequesterCategory, "requester_category", 24))
    description: Mapped[str] = mapped_column(Text)
    channel: Mapped[Channel] = mapped_column(text_enum(Channel, "request_channel", 24))
    received_at: Mapped[datetime] = mapped_column(index=True)
    assigned_to_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[RequestStatus] = mapped_column(text_enum(RequestStatus, "request_status", 24),
                                                  index=True)
    # The clock's answer, kept so it can be explained again as it was computed.
    due_date: Mapped[date] = mapped_column(index=True)
    clock: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rule_set_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("clock_rule_sets.id", ondelete="RESTRICT"))
    # An extension (24-72-203(1)(b)): noticed within the original period, with its reason.
    extended_due_date: Mapped[date | None]
    extension_noticed_at: Mapped[datetime | None]
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    # After payment the records are due within the rule set's delivery days.
    paid_at: Mapped[datetime | None]
    delivery_due_date: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class RequestEvent(UUIDKey, Base):
    """One step of a request's status history: from, to, why, who and when."""

    __tablename__ = "request_events"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("records_requests.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the request: the order
    from_status: Mapped[RequestStatus | None] = mapped_column(
        text_enum(RequestStatus, "request_event_from", 24))
    to_status: Mapped[RequestStatus] = mapped_column(text_enum(RequestStatus, "request_event_to", 24))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[uuid.UUID | None]
    occurred_at: Mapped[datetime]
