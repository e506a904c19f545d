from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.core.payload import Day, Moment, Payload
from app.models import Delivery, PaymentKind, PaymentMethod

# Money in and out as a decimal string ("41.37"): never a float.
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1000000"), max_digits=12, decimal_places=2,
                                  allow_inf_nan=False)]
Positive = Annotated[Decimal, Field(gt=0, le=Decimal("1000000"), max_digits=12,
                                    decimal_places=2, allow_inf_nan=False)]


class ScheduleIn(Payload):
    effective_from: Day
    hourly_rate: Amount = Field(examples=["41.37"])
    free_minutes: int = Field(60, ge=0, le=600, strict=True)
    billing_increment_minutes: int = Field(1, ge=1, le=60, strict=True, description=(
        "Billable time is rounded up to steps of this many minutes: 1 bills by the minute, "
        "15 by the quarter hour"))
    per_page: Amount = Field(examples=["0.25"])
    electronic_delivery: Amount = Field(Decimal("0.00"), description="E-mail or portal delivery")
    minutes_per_document: int = Field(2, ge=0, le=600, strict=True)
    citation: str = Field("C.R.S. 24-72-205", min_length=1, max_length=200)
    note: str = Field("", max_length=4000)


class ScheduleChange(Payload):
    hourly_rate: Amount | None = None
    free_minutes: int | None = Field(None, ge=0, le=600, strict=True)
    billing_increment_minutes: int | None = Field(None, ge=1, le=60, strict=True)
    per_page: Amount | None = None
    electronic_delivery: Amount | None = None
    minutes_per_document: int | None = Field(None, ge=0, le=600, strict=True)
    citation: str | None = Field(None, min_length=1, max_length=200)
    note: str | None = Field(None, max_length=4000)


class ScheduleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    effective_from: date
    hourly_rate: Decimal
    free_minutes: int
    billing_increment_minutes: int
    per_page: Decimal
    electronic_delivery: Decimal
    minutes_per_document: int
    citation: str
    note: str


class TimeIn(Payload):
    minutes: int = Field(gt=0, le=24 * 60, strict=True)
    worked_on: Day
    note: str = Field("", max_length=2000)


class TimeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    clerk: str
    minutes: int
    worked_on: date
    note: str
    created_at: datetime


class LineOut(BaseModel):
    text: str
    amount: Decimal | None


class StatementIn(Payload):
    pages: int = Field(0, ge=0, le=1_000_000, strict=True,
                       description="Standard paper pages (charged only for paper delivery)")
    delivery: Delivery = Delivery.email


class StatementOut(BaseModel):
    id: uuid.UUID | None = Field(description="Empty for a live estimate, which is not stored")
    kind: str = Field(description="estimate or invoice")
    number: int | None = Field(description="Estimate 1, 2 ... or invoice 1, 2 ... of the request")
    schedule_id: uuid.UUID
    documents: int
    minutes: int
    pages: int
    delivery: Delivery
    amount: Decimal
    lines: list[LineOut]
    issued_by: str
    created_at: datetime | None


class PaymentIn(Payload):
    amount: Positive = Field(examples=["12.50"])
    kind: PaymentKind = PaymentKind.payment
    method: PaymentMethod
    received_at: Moment
    reference: str = Field("", max_length=200)


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: PaymentKind
    amount: Decimal
    method: PaymentMethod
    reference: str
    received_at: datetime
    recorded_by: str


class WaiverIn(Payload):
    reason: str = Field(min_length=3, max_length=2000)
    amount: Positive | None = Field(None, description="Omit to waive every fee on the request")


class WaiverOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    amount: Decimal | None
    reason: str
    recorded_by: str
    created_at: datetime


class FeesOut(BaseModel):
    request_id: uuid.UUID
    minutes_logged: int
    estimate: StatementOut | None = Field(description="The last estimate issued")
    invoice: StatementOut | None = Field(description="The last invoice: the one owed")
    payments: list[PaymentOut]
    waivers: list[WaiverOut]
    charged: Decimal
    waived: Decimal
    paid: Decimal
    due: Decimal
    credit: Decimal
    settled: bool
    lines: list[LineOut]
