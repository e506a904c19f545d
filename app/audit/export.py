"""Audit trail exports: JSON lines and CSV, streamed row by row."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from app.core.audit import canonical_json
from app.models import AuditEntry

COLUMNS = [
    "seq", "occurred_at", "actor", "action", "object_type", "object_id",
    "client_address", "request_id", "details", "prev_hash", "hash",
]


def as_row(entry: AuditEntry) -> dict[str, object]:
    row: dict[str, object] = {column: getattr(entry, column) for column in COLUMNS}
    row["occurred_at"] = entry.occurred_at.isoformat()
    return row


def jsonl(entries: Iterable[AuditEntry]) -> Iterator[str]:
    for entry in entries:
        yield json.dumps(as_row(entry), ensure_ascii=False) + "\n"


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for entry in entries:
        row = as_row(entry)
        row["details"] = canonical_json(entry.details)
        writer.writerow([row[column] for column in COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
