"""What the API takes and gives for records requests and the clock's data."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.core.payload import Day, Moment, Payload, TimeOfDay
from app.models import Channel, RequesterCategory, RequestStatus

# Set by the clock or by the workflow, never typed in by a person.
NOT_BY_HAND = ("due_date", "extended_due_date", "delivery_due_date", "clock", "number",
               "status", "closed_at", "paid_at", "extension_noticed_at", "rule_set_id")

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Department = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Version = Annotated[int, Field(ge=1, strict=True,
                               description="The `version` of the request as you last read it")]


def _refuse_set_by_clock(data: Any) -> Any:
    if isinstance(data, dict):
        named = [key for key in NOT_BY_HAND if key in data]
        if named:
            raise ValueError(
                f"{', '.join(named)} cannot be set by hand: the CORA clock computes due dates "
                "from received_at and the rule set in force; status changes go through "
                "/transitions, extensions through /extension")
    return data


class RequestIn(Payload):
    model_config = ConfigDict(extra="forbid")

    requester_name: Name = Field(description="CORA lets no one demand identification: "
                                             "any name will do, 'anonymous' too")
    requester_email: str = Field("", max_length=320)
    requester_contact: str = Field("", max_length=2000, description="Phone, postal address")
    requester_organization: str = Field("", max_length=200)
    category: RequesterCategory
    description: str = Field(min_length=1, max_length=20000)
    channel: Channel
    received_at: Moment | None = Field(
        None, description="When the city received it (with its zone); default now. "
                          "Not in the future.")
    assigned_to_id: uuid.UUID | None = None
    departments: list[Department] = Field(default_factory=list, max_length=50)

    _by_clock = model_validator(mode="before")(_refuse_set_by_clock)


class RequestPatch(Payload):
    """Only the fields sent change; `version` is required (optimistic locking)."""

    model_config = ConfigDict(extra="forbid")

    version: Version
    requester_name: Name | None = None
    requester_email: str | None = Field(None, max_length=320)
    requester_contact: str | None = Field(None, max_length=2000)
    requester_organization: str | None = Field(None, max_length=200)
    category: RequesterCategory | None = None
    description: str | None = Field(None, min_length=1, max_length=20000)
    channel: Channel | None = None
    received_at: Moment | None = None
    assigned_to_id: uuid.UUID | None = None
    departments: list[Department] | None = Field(None, max_length=50)

    _by_clock = model_validator(mode="before")(_refuse_set_by_clock)

    @model_validator(mode="after")
    def _no_nulls(self) -> RequestPatch:
        nulls = [name for name in self.model_fields_set
                 if getattr(self, name) is None and name != "assigned_to_id"]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} may not be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set if name != "version"}


class TransitionIn(Payload):
    model_config = ConfigDict(extra="forbid")

    to: RequestStatus
    reason: Reason
    version: Version


class ExtensionIn(Payload):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="The extenuating circumstances (C.R.S. 24-72-203)")
    version: Version


class RequestOut(BaseModel):
    id: uuid.UUID
    number: str
    requester_name: str
    requester_email: str
    requester_contact: str
    requester_organization: str
    category: RequesterCategory
    description: str
    channel: Channel
    received_at: datetime
    received_at_local: str = Field(description="received_at in the city's zone")
    assigned_to_id: uuid.UUID | None
    departments: list[str]
    status: RequestStatus
    due_date: date = Field(description="The response is due by this day (original period)")
    extended_due_date: date | None
    extension_noticed_at: datetime | None
    extension_reason: str
    paid_at: datetime | None
    delivery_due_date: date | None = Field(description="Records due after payment")
    current_due_date: date = Field(description="The deadline that applies now")
    due_soon: bool = Field(description="Due today or on the next working day")
    overdue: bool
    closed_at: datetime | None
    version: int
    created_at: datetime
    clock: dict[str, Any] = Field(description="How the due dates were computed, day by day")


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    from_status: RequestStatus | None
    to_status: RequestStatus
    reason: str
    actor: str
    occurred_at: datetime


class ClockOut(BaseModel):
    request_id: uuid.UUID
    number: str
    today: date = Field(description="The clock's today, in the city's zone")
    current_due_date: date
    due_soon: bool
    overdue: bool
    explanation: dict[str, Any]


class CategoryDays(BaseModel):
    model_config = ConfigDict(extra="forbid")

    response_days: int | None = Field(None, ge=1, le=60, strict=True)
    extension_days: int | None = Field(None, ge=0, le=60, strict=True)


class RuleSetIn(Payload):
    model_config = ConfigDict(extra="forbid")

    effective_from: Day = Field(description="Local date; must be after the clock's today")
    response_days: int = Field(ge=1, le=60, strict=True)
    extension_days: int = Field(ge=0, le=60, strict=True)
    receipt_day_counts: bool = Field(False, strict=True)
    business_hours_cutoff: TimeOfDay | None = Field(
        None, description="Local time; received after it counts as the next working day")
    delivery_days: int = Field(ge=1, le=60, strict=True)
    category_overrides: dict[RequesterCategory, CategoryDays] = Field(default_factory=dict)
    citation: Name
    note: str = Field("", max_length=4000)


class RuleSetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    effective_from: date
    response_days: int
    extension_days: int
    receipt_day_counts: bool
    business_hours_cutoff: time | None
    delivery_days: int
    category_overrides: dict[str, Any]
    citation: str
    note: str
    added_by: str
    created_at: datetime


class ClosureIn(Payload):
    model_config = ConfigDict(extra="forbid")

    day: Day
    name: Name


class ClosureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    day: date
    name: str
    added_by: str
    created_at: datetime


class Retimed(BaseModel):
    number: str
    before: dict[str, Any]
    after: dict[str, Any]


class ClosureChange(BaseModel):
    closure: ClosureOut
    retimed: list[Retimed] = Field(description="Running requests whose due dates moved")


class HolidayOut(BaseModel):
    day: date
    name: str


class SummaryOut(BaseModel):
    total: int
    by_status: dict[str, int]
    by_month: dict[str, int] = Field(description="Requests by month of receipt (city's zone)")
    closed: int
    median_working_days_to_close: float | None
    overdue: int
    due_soon: int
