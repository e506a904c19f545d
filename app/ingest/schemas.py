from __future__ import annotations

import ipaddress
import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.payload import Payload

NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST_NAME = re.compile(rf"^({_LABEL}\.)*{_LABEL}$")


# Sources refuse fields they do not have: a clerk who sends `host` or `password_env`
# is told they are not taken, rather than have them silently dropped.
class RootSource(Payload):
    model_config = ConfigDict(extra="forbid")

    type: Literal["root"] = "root"
    root: str = Field(max_length=64, description="The name of an ingest root (GET /ingest/roots)")
    path: str = Field(default="", max_length=1000,
                      description="A file or folder inside the root, relative to it")


class ImapSource(Payload):
    model_config = ConfigDict(extra="forbid")

    type: Literal["imap"] = "imap"
    connection: str = Field(max_length=64, description="The name of a mail connection")
    folders: list[Annotated[str, Field(max_length=1000)]] | None = Field(
        default=None, max_length=1000, description="IMAP folders (mailboxes); default: every one")


class JobCreate(Payload):
    custodian: str = Field(min_length=1, max_length=200)
    source: Annotated[RootSource | ImapSource, Field(discriminator="type")]


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


class RootCreate(Payload):
    name: str = Field(pattern=NAME, description="How clerks name it: lower case, digits, - and _")
    path: str = Field(min_length=1, max_length=1000, description="An absolute folder on the workers")
    description: str = Field(default="", max_length=500)


class RootOut(BaseModel):
    id: uuid.UUID
    name: str
    path: str | None = Field(description="Shown to administrators only")
    description: str
    created_by: str
    created_at: datetime


class ConnectionCreate(Payload):
    name: str = Field(pattern=NAME, description="How clerks name it: lower case, digits, - and _")
    host: str = Field(max_length=253, description="The mail server's name or IP address")
    port: int = Field(default=993, ge=1, le=65535, strict=True)
    security: Literal["tls", "starttls", "none"] = Field(
        default="tls", description="tls: implicit TLS (993); starttls (143); none: plain text")
    username: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1000, description="Stored encrypted; never shown")

    @field_validator("host")
    @classmethod
    def _a_host(cls, value: str) -> str:
        """A host name or an IP address, nothing else (no port, path or user)."""
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            if HOST_NAME.match(value):
                return value.lower()
        raise ValueError("a host name (mail.city.example) or an IP address, without a port")


class ConnectionOut(BaseModel):
    id: uuid.UUID
    name: str
    host: str
    port: int
    security: str
    username: str | None = Field(description="Shown to administrators only")
    created_by: str
    created_at: datetime
