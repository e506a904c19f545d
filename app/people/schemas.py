"""What the API takes and gives for the custodian directory."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.payload import Day, Payload
from app.models import PersonStatus

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Custodian = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Address = Annotated[str, Field(min_length=3, max_length=320, description=(
    "One plain address, like name@city.example.gov; stored in lower case"))]


class EmailIn(Payload):
    model_config = ConfigDict(extra="forbid")

    address: Address
    current: bool = Field(True, description="False for an address the person no longer uses")


class EmailPatch(Payload):
    model_config = ConfigDict(extra="forbid")

    current: bool


class CustodianIn(Payload):
    model_config = ConfigDict(extra="forbid")

    custodian: Custodian = Field(description="An ingest custodian name (a mailbox's owner)")


class PersonIn(Payload):
    model_config = ConfigDict(extra="forbid")

    name: Name
    department: Label = ""
    title: Label = ""
    supervisor_id: uuid.UUID | None = None
    emails: list[EmailIn] = Field(default_factory=list, max_length=50)
    custodians: list[Custodian] = Field(default_factory=list, max_length=50)


class PersonPatch(Payload):
    """Only the fields sent change; `supervisor_id: null` removes the supervisor. Status
    changes go through /depart (or the CSV import)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    department: Label | None = None
    title: Label | None = None
    supervisor_id: uuid.UUID | None = None


class DepartIn(Payload):
    model_config = ConfigDict(extra="forbid")

    departed_on: Day = Field(description="The day the person left the city; not in the future")


class PersonRef(BaseModel):
    id: uuid.UUID
    name: str


class EmailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    address: str
    current: bool


class PersonOut(BaseModel):
    id: uuid.UUID
    name: str
    department: str
    title: str
    status: PersonStatus
    departed_on: date | None
    supervisor: PersonRef | None
    emails: list[EmailOut]
    custodians: list[str]
    created_at: datetime


class ImportRow(BaseModel):
    line: int
    action: Literal["create", "update", "unchanged"]
    name: str
    person_id: uuid.UUID | None = Field(description="None for a person a dry run would create")


class ImportReport(BaseModel):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    rows: list[ImportRow]
