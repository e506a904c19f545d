"""The one question retention asks of legal holds: which of these documents are held?

Read straight from the materialized membership (held_documents, filled by the holds
service): a document is held while any row names it. The database triggers refuse
the deletion anyway; asking first lets a purge skip a held family and say by whom.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import HeldDocument, Hold

CHUNK = 500  # ids per IN (...): well under either backend's limit on parameters


@dataclass(frozen=True, order=True)
class HoldRef:
    """A hold as an error or a certificate names it."""

    id: uuid.UUID
    matter_name: str

    def as_dict(self) -> dict[str, str]:
        return {"hold_id": str(self.id), "matter_name": self.matter_name}


def holds_on(session: Session, document_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[HoldRef]]:
    """The held ones among `document_ids`, each with the holds on it (ids and matters)."""
    wanted = sorted(set(document_ids))
    found: dict[uuid.UUID, set[HoldRef]] = defaultdict(set)
    for start in range(0, len(wanted), CHUNK):
        rows = session.execute(
            select(HeldDocument.document_id, Hold.id, Hold.matter_name)
            .join(Hold, Hold.id == HeldDocument.hold_id)
            .where(HeldDocument.document_id.in_(wanted[start:start + CHUNK])))
        for document_id, hold_id, matter in rows:
            found[document_id].add(HoldRef(hold_id, matter))
    return {document: sorted(refs) for document, refs in found.items()}


def held_by(session: Session, document_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The held ones among `document_ids`, each with the ids of the holds on it."""
    return {document: [ref.id for ref in refs]
            for document, refs in holds_on(session, document_ids).items()}
