from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.core.payload import Payload
from app.models import LockKind, Role

USERNAME_MAX_LENGTH = 64


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    full_name: str
    email: str
    roles: list[Role]
    is_active: bool
    created_at: datetime


class Me(UserOut):
    via: str


class UserCreate(Payload):
    username: str = Field(min_length=1, max_length=USERNAME_MAX_LENGTH, pattern=r"^[A-Za-z0-9._@-]+$")
    roles: list[Role] = Field(min_length=1)
    password: str = Field(min_length=12, max_length=200)
    full_name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)


class ApiTokenCreate(Payload):
    name: str = Field(min_length=1, max_length=100)
    username: str = Field(description="The user whose roles the token carries")
    lifetime_days: int | None = Field(default=None, ge=1, le=3650, strict=True)


class ApiTokenOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    username: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenIssued(ApiTokenOut):
    token: str = Field(description="Shown once; store it in the calling system's secret store")


class LockoutOut(BaseModel):
    id: uuid.UUID
    kind: LockKind = Field(description="`username`, or `address`: a client address, any usernames")
    subject: str = Field(description="The username or the client address")
    failures: int = Field(description="Failed sign-ins within the window that locked it")
    locked_at: datetime
    locked_until: datetime
    lifted_at: datetime | None
    lifted_by: str | None
