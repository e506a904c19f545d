"""Audit trail exports: JSON lines and CSV, streamed row by row."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict

from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.audit import service
from app.audit.schemas import ExportFormat
from app.core import audit
from app.core.audit import Actor, canonical_json
from app.core.db import Database
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


def download(session: Session, database: Database, actor: Actor, where: service.AuditFilter,
             format: ExportFormat) -> StreamingResponse:
    """The filtered trail as a file to save (the API's export and the audit page's): who
    exported what is itself audited, in `session`; the rows stream from a read of their own."""
    audit.record(session, actor, "audit.export", "audit", "trail", format=format,
                 filter=asdict(where))

    def rows() -> Iterator[str]:
        with database.reading() as reader:
            writer = jsonl if format == "jsonl" else csv_lines
            yield from writer(service.stream(reader, where))

    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    return StreamingResponse(rows(), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="custodia-audit.{format}"'})
