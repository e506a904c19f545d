from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from app.models import LetterKind


class LinkOut(BaseModel):
    id: uuid.UUID
    request_id: uuid.UUID
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str


class LinkIssued(LinkOut):
    token: str = Field(description="Shown once: send it to the requester; only its SHA-256 is kept")
    path: str = Field(description="The requester's page, `/api/v1/portal/{token}`")


class PortalLetter(BaseModel):
    id: uuid.UUID
    kind: LetterKind
    subject: str
    created_at: datetime
    pdf: str = Field(description="Path of the letter's PDF under this link")


class PortalRelease(BaseModel):
    id: uuid.UUID
    name: str
    volume: str
    released_at: datetime
    expires_on: date = Field(description="The last day it may be downloaded")
    size: int
    sha256: str
    zip: str = Field(description="Path of the package under this link")


class PortalRequest(BaseModel):
    """What the requester sees: where their request stands, and the letters sent about it."""

    number: str
    status: str
    received_at: datetime
    due_date: date
    extended_due_date: date | None
    delivery_due_date: date | None = Field(
        description="When a fee was paid: the records are due by this date")
    letters: list[PortalLetter]
    releases: list[PortalRelease] = Field(
        description="Records released to the requester and still downloadable, oldest first")
