"""The one question retention asks of legal holds: which of these documents are held?

Answered by the holds domain's membership (app.holds.membership.holds_of, over
held_documents): a document is held while any row names it. The database triggers
refuse the deletion anyway; asking first lets a purge skip a held family and say by whom.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.holds.membership import holds_of


@dataclass(frozen=True, order=True)
class HoldRef:
    """A hold as an error or a certificate names it."""

    id: uuid.UUID
    matter_name: str

    def as_dict(self) -> dict[str, str]:
        return {"hold_id": str(self.id), "matter_name": self.matter_name}


def holds_on(session: Session, document_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[HoldRef]]:
    """The held ones among `document_ids`, each with the holds on it (ids and matters)."""
    return {document: sorted({HoldRef(h.id, h.matter_name) for h in holds})
            for document, holds in holds_of(session, document_ids).items()}
