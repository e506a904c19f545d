"""Near-duplicates' part in background work: ingest's "documents stored" hook (app.tasks
adds it) places each batch's new documents in their groups in the batch's own
transaction, and "near_duplicates.assign" (every few minutes) places whatever is still
pending: documents stored by other paths, or a batch whose grouping failed."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.jobs import REGISTRY, Claimed, Services
from app.models import NearDuplicate
from app.near_duplicates import grouping
from ingest.hooks import Stored

log = logging.getLogger("custodia.near_duplicates")

KIND = "near_duplicates.assign"
ASSIGN_EVERY = 300


def group_what_landed(session: Session, stored: Stored) -> None:
    """Place the batch's new top-level documents, in a savepoint: should that fail, the
    batch still lands and its documents stay pending for "near_duplicates.assign"."""
    heads = sorted(stored.families)
    placed = set(session.scalars(select(NearDuplicate.document_id)
                                 .where(NearDuplicate.document_id.in_(heads))))
    heads = [h for h in heads if h not in placed]  # families that only gained a location
    if not heads:
        return
    try:
        with session.begin_nested():
            found = grouping.signatures(session, heads)
            grouping.assign(session, found, stored.near_duplicate_similarity)
    except Exception:
        log.exception("near-duplicate grouping failed; %d documents stay pending", len(heads))


def assign_waiting(services: Services, claimed: Claimed) -> None:
    placed = grouping.assign_pending(services.database,
                                     services.settings.near_duplicate_similarity)
    if placed:
        log.info("near-duplicates: %d documents placed", placed)


REGISTRY.register(KIND, assign_waiting, every_seconds=ASSIGN_EVERY)
