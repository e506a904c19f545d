from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.core.payload import Payload
from app.letters.render import MAX_TEMPLATE
from app.models import LetterKind

Money = Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=12, decimal_places=2)]


class Ground(Payload):
    """One ground for withholding, as cited: `24-72-204(3)(a)(I)` and its wording."""

    code: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=500)


class Fees(Payload):
    """The amounts of a fee estimate, as the clerk computed them (C.R.S. 24-72-205)."""

    research_hours: Annotated[Decimal, Field(ge=0, le=100_000, max_digits=8, decimal_places=2)] = Decimal(0)
    hourly_rate: Money = Decimal(0)
    research_fee: Money = Decimal(0)
    pages: int = Field(default=0, ge=0, le=10_000_000)
    page_rate: Money = Decimal(0)
    copy_fee: Money = Decimal(0)
    total: Money


class LetterCreate(Payload):
    model_config = ConfigDict(extra="forbid")

    kind: LetterKind
    reason: str = Field(default="", max_length=4000,
                        description="Why more time is needed (an extension notice needs one)")
    extended_due_date: date | None = Field(
        default=None, description="The new due date; default: the request's extended date, if any")
    grounds: list[Ground] = Field(default_factory=list, max_length=100,
                                  description="Each ground cited for withheld records (a denial needs one)")
    partial: bool = Field(default=False, description="A denial in part: some records are released")
    fees: Fees | None = Field(default=None, description="The amounts (a fee estimate needs them)")
    note: str = Field(default="", max_length=4000, description="A paragraph added to the letter")


class LetterOut(BaseModel):
    id: uuid.UUID
    request_id: uuid.UUID
    kind: LetterKind
    template_id: uuid.UUID
    template_version: int
    subject: str
    html_sha256: str
    pdf_sha256: str
    recipient: str = Field(description="Whom it was e-mailed to; empty when it was not sent")
    delivery: str = Field(description="`queued`, `sent` or `failed` (the outbox), or `not_sent`")
    delivery_note: str
    outbox_message_id: uuid.UUID | None
    created_by: str
    created_at: datetime


class TemplateVersionCreate(Payload):
    subject_template: str = Field(min_length=1, max_length=2000)
    body_template: str = Field(min_length=1, max_length=MAX_TEMPLATE)


class TemplateVersionOut(BaseModel):
    id: uuid.UUID
    template_id: uuid.UUID
    version: int
    subject_template: str
    body_template: str
    created_by: str
    created_at: datetime


class TemplateOut(BaseModel):
    id: uuid.UUID
    kind: LetterKind
    name: str
    current: TemplateVersionOut


class TemplateDetail(TemplateOut):
    versions: list[TemplateVersionOut] = Field(description="Every version, newest first")
