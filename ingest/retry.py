"""Extraction that failed for a passing reason (Tika timed out or was down) is tried again."""

from __future__ import annotations

from sqlalchemy import select

from app.core.db import Database
from app.models import Document, TextStatus
from ingest.blobs import BlobStore
from ingest.extract.base import ExtractionError
from ingest.pipeline import RETRYABLE, Extract, store_text

MAX_ATTEMPTS = 3
BATCH = 50


def retry_extractions(database: Database, store: BlobStore, extract: Extract) -> int:
    """One pass over retryable failures; returns how many now have their text."""
    recovered = 0
    with database.transaction() as session:
        documents = list(session.scalars(
            select(Document).where(
                Document.text_status == TextStatus.failed,
                Document.extract_error.startswith(RETRYABLE),
                Document.extract_attempts < MAX_ATTEMPTS,
                Document.blob_sha256.is_not(None),
            ).order_by(Document.created_at).limit(BATCH)))
        for document in documents:
            assert document.blob_sha256 is not None
            try:
                extracted = extract(store.read(document.blob_sha256), document.filename or None,
                                    document.content_type or None)
            except ExtractionError as exc:
                document.extract_attempts += 1
                document.extract_error = (RETRYABLE if exc.retryable else "") + exc.reason
                continue
            store_text(document, extracted)
            document.extract_attempts += 1
            document.indexed_at = None  # its text changed: index it again
            recovered += 1
    return recovered
