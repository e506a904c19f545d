"""Fees under C.R.S. 24-72-205: the rates in effect, time logged, estimates, invoices, payments."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, UUIDKey, text_enum

Money = Numeric(12, 2, asdecimal=True)


class Delivery(enum.StrEnum):
    email = "email"
    portal = "portal"
    paper = "paper"  # standard paper copies, picked up or mailed


class PaymentKind(enum.StrEnum):
    payment = "payment"
    deposit = "deposit"  # taken before the work, where the city's policy provides


class PaymentMethod(enum.StrEnum):
    cash = "cash"
    check = "check"
    card = "card"
    online = "online"
    other = "other"



class FeeSchedule(UUIDKey, Timestamped, Base):
    """The rates in effect from a day on, until the next schedule's day."""

    __tablename__ = "fee_schedules"

    effective_from: Mapped[date] = mapped_column(unique=True)
    hourly_rate: Mapped[Decimal] = mapped_column(Money)
    free_minutes: Mapped[int] = mapped_column(Integer)
    # Research time is billed in steps of this many minutes, rounded up (1: by the minute).
    billing_increment_minutes: Mapped[int] = mapped_column(Integer)
    per_page: Mapped[Decimal] = mapped_column(Money)
    electronic_delivery: Mapped[Decimal] = mapped_column(Money)  # e-mail or portal
    minutes_per_document: Mapped[int] = mapped_column(Integer)  # for estimates
    citation: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")


class TimeEntry(UUIDKey, Timestamped, Base):
    """Research and retrieval time a clerk spent on a request."""

    __tablename__ = "fee_time_entries"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records_requests.id"), index=True)
    clerk_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    clerk: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer)
    worked_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")


class FeeStatement(UUIDKey, Timestamped, Base):
    """An estimate (before the work) or an invoice (after it), with what it was computed from."""

    __tablename__ = "fee_statements"
    __table_args__ = (UniqueConstraint("request_id", "is_invoice", "number"),)

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records_requests.id"), index=True)
    is_invoice: Mapped[bool] = mapped_column(Boolean)
    number: Mapped[int] = mapped_column(Integer)  # estimate 1, 2 ... and invoice 1, 2 ...
    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fee_schedules.id"))
    documents: Mapped[int] = mapped_column(Integer)  # review set size (estimates)
    minutes: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    delivery: Mapped[Delivery] = mapped_column(text_enum(Delivery, "fee_delivery"))
    amount: Mapped[Decimal] = mapped_column(Money)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    issued_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_by: Mapped[str] = mapped_column(String(200))


class FeePayment(UUIDKey, Timestamped, Base):
    __tablename__ = "fee_payments"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records_requests.id"), index=True)
    kind: Mapped[PaymentKind] = mapped_column(text_enum(PaymentKind, "fee_payment_kind"))
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[PaymentMethod] = mapped_column(text_enum(PaymentMethod, "fee_payment_method"))
    reference: Mapped[str] = mapped_column(String(200), default="")  # check number, receipt
    received_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by: Mapped[str] = mapped_column(String(200))


class FeeWaiver(UUIDKey, Timestamped, Base):
    """Fees forgiven, all of them (amount None) or a part, always with the reason."""

    __tablename__ = "fee_waivers"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records_requests.id"), index=True)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by: Mapped[str] = mapped_column(String(200))
