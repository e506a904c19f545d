"""Extraction that failed for a passing reason (Tika timed out or was down) is tried again.

The candidates are read in a read transaction and extracted with no catalog lock
held; each result is then written in one short transaction, unless another worker
got to that document first (its attempts moved on).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.core.blobs import BlobStore
from app.core.db import Database
from app.models import Document, TextStatus
from ingest.extract.base import Extracted, ExtractionError
from ingest.indexer import index_again
from ingest.pipeline import RETRYABLE, store_text
from ingest.prepare import Extract

MAX_ATTEMPTS = 3
BATCH = 50


@dataclass(frozen=True)
class _Attempt:
    document_id: uuid.UUID
    attempts: int  # as read: the write applies only if no one else tried meanwhile
    result: Extracted | ExtractionError


def retry_extractions(database: Database, store: BlobStore, extract: Extract) -> int:
    """One pass over retryable failures; returns how many now have their text."""
    with database.reading() as session:
        candidates = session.execute(
            select(Document.id, Document.blob_sha256, Document.filename, Document.content_type,
                   Document.extract_attempts).where(
                Document.text_status == TextStatus.failed,
                Document.extract_error.startswith(RETRYABLE),
                Document.extract_attempts < MAX_ATTEMPTS,
                Document.blob_sha256.is_not(None),
            ).order_by(Document.created_at).limit(BATCH)).all()
    attempts = []
    for row in candidates:
        try:
            result: Extracted | ExtractionError = extract(
                store.read(row.blob_sha256), row.filename or None, row.content_type or None)
        except ExtractionError as exc:
            result = exc
        attempts.append(_Attempt(row.id, row.extract_attempts, result))
    return sum(_record(database, attempt) for attempt in attempts)


def _record(database: Database, attempt: _Attempt) -> bool:
    with database.transaction() as session:
        document = session.get(Document, attempt.document_id)
        if document is None or document.extract_attempts != attempt.attempts:
            return False
        document.extract_attempts += 1
        if isinstance(attempt.result, ExtractionError):
            exc = attempt.result
            document.extract_error = (RETRYABLE if exc.retryable else "") + exc.reason
            return False
        store_text(document, attempt.result)
        index_again(session, Document.id == document.id)  # its text changed
        return True
