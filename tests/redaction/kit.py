"""Helpers for redaction tests: a review set over real texts, spans as rows, the trail."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from app.core.db import Database
from app.models import (
    BatesSeries,
    Disposition,
    Production,
    ProductionDocument,
    ProductionStatus,
    Redaction,
    RedactionStatus,
)
from app.redaction.service import text_key

Headers = dict[str, str]


def fill(client: TestClient, clerk: Headers, request_id: uuid.UUID,
         documents: list[uuid.UUID]) -> None:
    added = client.post(f"/api/v1/requests/{request_id}/review-set/documents", headers=clerk,
                        json={"document_ids": [str(d) for d in documents]})
    assert added.status_code == 200, added.text


def suggested(database: Database, document_id: uuid.UUID, text: str, quote: str,
              detector: str = "ssn", citation: str = "SSN") -> uuid.UUID:
    """A detector's suggestion on `quote` in `text`, as app.redaction.suggest stores one."""
    start = text.index(quote)
    with database.transaction() as session:
        row = Redaction(text_sha256=text_key(text), document_id=document_id, start=start,
                        end=start + len(quote), quote=quote, detector=detector, confidence=0.9,
                        status=RedactionStatus.suggested, citation_code=citation)
        session.add(row)
        session.flush()
        return row.id


def released(database: Database, document_id: uuid.UUID) -> uuid.UUID:
    """A production, released, that holds the document (redacted)."""
    with database.transaction() as session:
        series = BatesSeries(prefix=f"T{uuid.uuid4().hex[:6]}", digits=6, next_number=1)
        session.add(series)
        session.flush()
        production = Production(
            name="First release", series_id=series.id, volume="VOL001",
            status=ProductionStatus.released, first_number=1, package_date=date(2026, 12, 1),
            created_by="clerk", released_at=datetime(2026, 12, 1, 17, tzinfo=UTC))
        session.add(production)
        session.flush()
        session.add(ProductionDocument(production_id=production.id, position=1,
                                       document_id=document_id,
                                       disposition=Disposition.redacted))
        return production.id


def has_no(details: dict[str, Any], *quotes: str) -> bool:
    flat = json.dumps(details)
    return not any(q in flat for q in quotes)
