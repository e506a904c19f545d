"""What the holds API takes and answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.payload import Day, Payload
from app.models import HoldStatus, NoticeKind

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]
MatterName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
MatterNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Query = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Version = Annotated[int, Field(ge=1, strict=True,
                               description="The `version` of the hold as you last read it")]
Days = Annotated[int, Field(ge=1, le=365, strict=True)]


class HoldIn(Payload):
    """A new hold, in draft: nothing is held until it is issued."""

    model_config = ConfigDict(extra="forbid")

    matter_name: MatterName
    matter_number: MatterNumber = ""
    description: Text = ""
    custodians: list[uuid.UUID] = Field(default_factory=list, max_length=1000,
                                        description="People (ids) whose records are held")
    date_from: Day | None = Field(None, description="First day of the scope (city time)")
    date_to: Day | None = Field(None, description="Last day of the scope (city time)")
    query: Query = Field("", description="Search-language query narrowing the scope")
    sources: list[Source] = Field(default_factory=list, max_length=100,
                                  description="Sources (mailboxes, files) to hold; none: all")
    reminder_days: Days = Field(7, description="Remind who has not acknowledged every N days")
    escalation_days: Days = Field(14, description="Tell their supervisor after M days")


class HoldPatch(Payload):
    """Only the fields sent change; `version` is required (optimistic locking)."""

    model_config = ConfigDict(extra="forbid")

    version: Version
    matter_name: MatterName | None = None
    matter_number: MatterNumber | None = None
    description: Text | None = None
    custodians: list[uuid.UUID] | None = Field(None, max_length=1000)
    date_from: Day | None = None
    date_to: Day | None = None
    query: Query | None = None
    sources: list[Source] | None = Field(None, max_length=100)
    reminder_days: Days | None = None
    escalation_days: Days | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> HoldPatch:
        """Only a date may be sent as null (an open end); null elsewhere is no value."""
        nulls = [name for name in self.model_fields_set
                 if getattr(self, name) is None and name not in ("date_from", "date_to")]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} may not be null")
        return self


class IssueIn(Payload):
    model_config = ConfigDict(extra="forbid")

    version: Version


class ReleaseIn(Payload):
    model_config = ConfigDict(extra="forbid")

    version: Version
    reason: Reason


class HoldOut(BaseModel):
    id: uuid.UUID
    matter_name: str
    matter_number: str
    description: str
    attorney: str
    status: HoldStatus
    custodians: list[uuid.UUID]
    date_from: Day | None
    date_to: Day | None
    query: str
    sources: list[str]
    scope_version: int
    created_at: datetime
    issued_at: datetime | None
    released_at: datetime | None
    released_reason: str
    reminder_days: int
    escalation_days: int
    documents_held: int
    acknowledgements_outstanding: int
    version: int


class AcknowledgementOut(BaseModel):
    person_id: uuid.UUID
    person_name: str
    scope_version: int
    recipient: str = Field(description="Where the notice went; empty: no current address")
    notified_at: datetime | None
    acknowledged_at: datetime | None
    client_address: str
    answers: dict[str, str]
    reminders: int
    last_reminded_at: datetime | None
    escalated_at: datetime | None
    superseded_at: datetime | None


Answer = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class AcknowledgeIn(Payload):
    """The custodian has read the notice and will keep the records; where else they live."""

    model_config = ConfigDict(extra="forbid")

    personal_devices: Answer = ""
    text_messages: Answer = ""
    paper_files: Answer = ""
    other_mailboxes: Answer = ""
    other: Answer = ""


class AcknowledgementPage(BaseModel):
    """What a custodian's link shows: the matter, the duty, the questions."""

    matter_name: str
    matter_number: str
    description: str
    attorney: str
    custodian_name: str
    notified_at: datetime | None
    acknowledged_at: datetime | None
    questions: dict[str, str]


class NoticeTemplateIn(Payload):
    model_config = ConfigDict(extra="forbid")

    subject_template: str = Field(min_length=1, max_length=2000)
    body_template: str = Field(min_length=1, max_length=100_000)


class NoticeTemplateOut(BaseModel):
    kind: NoticeKind
    version: int
    subject_template: str
    body_template: str
    created_by: str
    created_at: datetime


class HeldBreakdownOut(BaseModel):
    """A hold's documents by custodian and source."""

    custodian: str
    source: str
    documents: int
