"""What a production holds, decided once when it is drafted: the documents in order, each
produced, redacted or withheld, with the accepted spans as they were. A rebuild reads
this snapshot, never the review's current state, so it gives the same bytes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Disposition,
    Document,
    HeldDocument,
    ReviewSetItem,
    ReviewTag,
    ReviewTagName,
)
from app.redaction.service import accepted_for_text, text_key, texts_of
from app.review.service import chunks

LATEST = datetime.max.replace(tzinfo=UTC)
# A document tagged with both is withheld under the exempt tag's citation.
WITHHOLDING = (ReviewTagName.exempt, ReviewTagName.privileged)


@dataclass(frozen=True)
class Decision:
    document_id: uuid.UUID
    disposition: Disposition
    ground: str
    citation: str
    spans: list[dict[str, Any]]


def accepted_spans(session: Session, text: str) -> list[dict[str, Any]]:
    """The accepted redactions of a text, as a production keeps them, by start."""
    rows = accepted_for_text(session, text_key(text))
    return [{"start": r.start, "end": r.end, "quote": r.quote, "citation": r.citation_code,
             "reason": r.reason, "reviewer": r.reviewer}
            for r in rows if text[r.start:r.end] == r.quote]


def ordered(session: Session, ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Families together, by the date of their head; in a family the parent first, then its
    children by position (depth first)."""
    wanted = set(ids)
    family_ids: set[uuid.UUID] = set()
    for chunk in chunks(wanted):
        family_ids.update(session.scalars(select(Document.family_id).where(Document.id.in_(chunk))))
    rows: dict[uuid.UUID, Any] = {}
    for chunk in chunks(family_ids):
        for row in session.execute(select(Document.id, Document.family_id, Document.parent_id,
                                          Document.position, Document.sent_at)
                                   .where(Document.family_id.in_(chunk))):
            rows[row.id] = row

    def path(document_id: uuid.UUID) -> tuple[Any, ...]:
        steps: list[tuple[int, str]] = []
        row = rows[document_id]
        while row.parent_id is not None and row.parent_id in rows:
            steps.append((row.position, str(row.id)))
            row = rows[row.parent_id]
        return tuple(reversed(steps))

    def key(document_id: uuid.UUID) -> tuple[Any, ...]:
        row = rows[document_id]
        head = rows.get(row.family_id)
        sent = head.sent_at if head is not None and head.sent_at else LATEST
        return (sent, str(row.family_id), path(document_id))

    return sorted(wanted, key=key)


def _produced(session: Session, document_id: uuid.UUID, text: str | None) -> Decision:
    spans = accepted_spans(session, text) if text else []
    return Decision(document_id, Disposition.redacted if spans else Disposition.produced, "", "",
                    spans)


def from_review_set(session: Session, request_id: uuid.UUID) -> list[Decision]:
    """The review set's documents but the not responsive ones, in order; privileged and
    exempt ones withheld under the tag's citation."""
    members = list(session.scalars(select(ReviewSetItem.document_id)
                                   .where(ReviewSetItem.request_id == request_id)))
    tags: dict[uuid.UUID, dict[ReviewTagName, str]] = {}
    for tag in session.scalars(select(ReviewTag).where(ReviewTag.request_id == request_id)):
        tags.setdefault(tag.document_id, {})[tag.tag] = tag.citation_code
    chosen = [d for d in members if ReviewTagName.not_responsive not in tags.get(d, {})]
    texts = dict(texts_of(session, chosen))
    decisions = []
    for document_id in ordered(session, chosen):
        mine = tags.get(document_id, {})
        ground = next((t for t in WITHHOLDING if t in mine), None)
        if ground is not None:
            decisions.append(Decision(document_id, Disposition.withheld, ground.value,
                                      mine[ground], []))
        else:
            decisions.append(_produced(session, document_id, texts.get(document_id)))
    return decisions


def from_hold(session: Session, hold_id: uuid.UUID) -> list[Decision]:
    """A hold's held documents, in order, each produced or redacted by its accepted spans."""
    held = list(session.scalars(select(HeldDocument.document_id)
                                .where(HeldDocument.hold_id == hold_id)))
    texts = dict(texts_of(session, held))
    return [_produced(session, d, texts.get(d)) for d in ordered(session, held)]
