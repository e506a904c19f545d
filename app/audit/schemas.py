from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    client_address: str
    request_id: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


class VerdictOut(BaseModel):
    intact: bool
    entries_checked: int
    head_seq: int | None
    head_hash: str | None
    first_broken_seq: int | None
    problem: str | None


ExportFormat = Literal["jsonl", "csv"]
