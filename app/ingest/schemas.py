from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field


class PathSource(BaseModel):
    type: Literal["path"] = "path"
    paths: list[str] = Field(min_length=1, description="Files or folders the workers can read")


class ImapSource(BaseModel):
    type: Literal["imap"] = "imap"
    host: str
    port: int = Field(default=993, ge=1, le=65535)
    username: str
    password: str | None = Field(default=None, description="Stored for the workers; never shown")
    password_env: str | None = Field(default=None, description="Or: a variable workers hold")
    ssl: bool = True
    folders: list[str] | None = Field(default=None, description="Default: every folder")


class JobCreate(BaseModel):
    custodian: str = Field(min_length=1, max_length=200)
    source: Annotated[PathSource | ImapSource, Field(discriminator="type")]


class JobOut(BaseModel):
    id: uuid.UUID
    custodian: str
    source: dict[str, object]
    status: str
    requested_by: str
    attempts: int
    counts: dict[str, int]
    error: str
    created_at: datetime
    finished_at: datetime | None


class IngestErrorOut(BaseModel):
    id: uuid.UUID
    job_id: uuid.UUID | None
    document_id: uuid.UUID | None
    custodian: str
    source: str
    folder: str
    source_id: str
    native_sha256: str | None
    stage: str
    reason: str
    created_at: datetime
