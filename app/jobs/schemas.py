from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class BackgroundJobOut(BaseModel):
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    status: str  # queued, running, done, dead
    attempts: int
    max_attempts: int
    run_after: datetime
    lease_owner: str
    lease_expires_at: datetime | None
    last_error: str
    created_at: datetime
    finished_at: datetime | None
