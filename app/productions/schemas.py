"""What the productions API takes and answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.payload import Payload
from app.models import Disposition, ProductionStatus

PREFIX = r"^[A-Z0-9-]{1,20}$"


class SeriesIn(Payload):
    model_config = ConfigDict(extra="forbid")

    prefix: str = Field(pattern=PREFIX, description="Upper-case letters, digits and hyphens: CITY, "
                                                    "SMITH-V-CITY")
    digits: int = Field(default=6, ge=3, le=12, description="Zero-padded width of the number")
    next_number: int = Field(default=1, ge=1, le=10**12 - 1,
                             description="The first number this series will stamp")
    endorsement: str = Field(default="", max_length=200,
                             description="The line stamped on every page beside the number")


class SeriesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    prefix: str
    digits: int
    next_number: int
    endorsement: str
    version: int
    created_at: datetime


class ProductionIn(Payload):
    """A production drafted from a request's review set or from a hold's documents."""

    model_config = ConfigDict(extra="forbid")

    series_id: uuid.UUID
    request_id: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None
    name: str = Field(default="", max_length=200, description="Default: the request or matter")
    endorsement: str | None = Field(default=None, max_length=200,
                                    description="Default: the series' endorsement")

    @model_validator(mode="after")
    def _one_source(self) -> ProductionIn:
        if (self.request_id is None) == (self.hold_id is None):
            raise ValueError("give request_id or hold_id, not both and not neither")
        return self


class ProductionOut(BaseModel):
    id: uuid.UUID
    name: str
    request_id: uuid.UUID | None
    hold_id: uuid.UUID | None
    series_id: uuid.UUID
    prefix: str
    volume: str
    status: ProductionStatus
    endorsement: str
    first_number: int
    last_number: int | None
    first_bates: str
    last_bates: str | None
    package_date: date
    package_sha256: str
    package_size: int
    documents: int
    counts: dict[str, int] = Field(description="Documents by disposition")
    verification: dict[str, Any]
    built_at: datetime | None
    finalized_at: datetime | None
    released_at: datetime | None
    expires_on: date | None
    created_by: str
    created_at: datetime
    version: int


class Span(BaseModel):
    start: int
    end: int
    citation: str
    reason: str
    reviewer: str


class ProductionDocumentOut(BaseModel):
    position: int
    document_id: uuid.UUID
    kind: str
    subject: str
    filename: str
    disposition: Disposition
    withheld_ground: str
    citation_code: str
    redactions: list[Span] = Field(description="The accepted spans (their text is not shown)")
    begin_bates: str
    end_bates: str
    pages: int


class BuildQueued(BaseModel):
    production_id: uuid.UUID
    job_id: uuid.UUID
    status: str = Field(description="The job's status: GET /api/v1/productions/{id} shows the "
                                    "production once it is built and verified")


class ReleaseDownloadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    downloaded_at: datetime
    client_address: str
