"""What the API takes and gives for retention schedules, purge runs and record classes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.core.payload import Payload
from app.retention.service import MAX_DAYS

Days = Field(ge=1, le=MAX_DAYS, strict=True,
             description=f"How many days the class is kept, 1 to {MAX_DAYS}; null: forever")


class ScheduleIn(Payload):
    model_config = ConfigDict(extra="forbid")

    days: int | None = Days


class ScheduleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    record_class: str
    days: int | None
    updated_at: datetime
    updated_by: str


class SchedulesOut(BaseModel):
    schedules: list[ScheduleOut]
    classes: list[str] = Field(description="Every record class a family may be filed under")


class RunIn(Payload):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = Field(False, strict=True,
                          description="List what would be purged and purge nothing")


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    actor: str
    dry_run: bool
    reason: str
    families_purged: int
    documents_purged: int
    families_held: int
    certificate_sha256: str


class RunResultOut(BaseModel):
    run: RunOut
    certificate: dict[str, Any] = Field(description="The purge certificate as stored")


class FamilyClassIn(Payload):
    model_config = ConfigDict(extra="forbid")

    record_class: str = Field(min_length=1, max_length=64)


class FamilyClassOut(BaseModel):
    family_id: uuid.UUID
    record_class: str
    documents: int
