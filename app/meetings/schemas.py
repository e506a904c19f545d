"""What the API takes and gives for public bodies and the Open Meetings report."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.payload import Day, Payload

BodyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Seat = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Kind = Literal["council", "board", "commission", "committee", "authority"]


class BodyIn(Payload):
    model_config = ConfigDict(extra="forbid")

    name: BodyName = Field(description='e.g. "City Council", "Planning Commission"')
    kind: Kind
    seats: int = Field(ge=1, le=100)
    quorum: int | None = Field(None, ge=1, le=100, description=(
        "Members that make a quorum under the body's rules; default: a majority of seats"))


class BodyPatch(Payload):
    model_config = ConfigDict(extra="forbid")

    name: BodyName | None = None
    kind: Kind | None = None
    seats: int | None = Field(None, ge=1, le=100)
    quorum: int | None = Field(None, ge=1, le=100)


class MemberIn(Payload):
    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID = Field(description="A person of the directory (/api/v1/people); "
                                             "their addresses there are the ones counted")
    seat: Seat = ""
    starts_on: Day
    ends_on: Day | None = Field(None, description="The last day of the term; none while serving")


class MemberEnd(Payload):
    model_config = ConfigDict(extra="forbid")

    ends_on: Day


class MemberOut(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    name: str
    seat: str
    starts_on: date
    ends_on: date | None
    addresses: list[str]


class BodyOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    seats: int
    quorum: int
    members: list[MemberOut]


class Participant(BaseModel):
    person_id: uuid.UUID
    name: str
    addresses: list[str] = Field(description="The member's addresses seen in the thread")


class MessageRef(BaseModel):
    document_id: uuid.UUID
    sent_at: datetime | None
    sender: str
    subject: str


class FindingOut(BaseModel):
    body_id: uuid.UUID
    body: str
    thread_id: str
    subject: str
    first_at: datetime | None
    last_at: datetime | None
    messages: int
    members: list[Participant]
    threshold: int
    citation: str
    reached_by: MessageRef
    reply_all: MessageRef | None = Field(description=(
        "The reply that brought a thread one member short of the count up to it"))
    snippet: str
    explanation: list[str]


class ReportOut(BaseModel):
    total: int
    findings: list[FindingOut]
