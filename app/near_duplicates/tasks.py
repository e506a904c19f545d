"""Near-duplicates' part in background work: ingest's "documents committed" hook (app.tasks
adds it) places each batch's new documents in their groups as soon as the batch has
committed, and "near_duplicates.assign" (every few minutes) places whatever is still
pending: documents stored by other paths, or a batch whose grouping failed or whose
worker stopped in between."""

from __future__ import annotations

import logging

from sqlalchemy import select

from app.core.db import Database
from app.core.jobs import REGISTRY, Claimed, Services
from app.models import NearDuplicate
from app.near_duplicates import grouping
from ingest.hooks import Stored

log = logging.getLogger("custodia.near_duplicates")

KIND = "near_duplicates.assign"
ASSIGN_EVERY = 300


def group_what_landed(database: Database, stored: Stored) -> None:
    """Place the batch's new top-level documents: signatures made in a read transaction,
    with no lock held (two workers make theirs at once), then one short write that takes
    the catalog writers' turn. Should that fail, the documents stay pending for
    "near_duplicates.assign"; the batch itself has landed."""
    heads = sorted(stored.families)
    try:
        with database.reading() as session:
            placed = set(session.scalars(select(NearDuplicate.document_id)
                                         .where(NearDuplicate.document_id.in_(heads))))
            heads = [h for h in heads if h not in placed]  # families that only gained a place
            if not heads:
                return
            found = grouping.signatures(session, heads)
        with database.transaction() as session:
            grouping.assign(session, found, stored.near_duplicate_similarity)
    except Exception:
        log.exception("near-duplicate grouping failed; %d documents stay pending", len(heads))


def assign_waiting(services: Services, claimed: Claimed) -> None:
    placed = grouping.assign_pending(services.database,
                                     services.settings.near_duplicate_similarity)
    if placed:
        log.info("near-duplicates: %d documents placed", placed)


REGISTRY.register(KIND, assign_waiting, every_seconds=ASSIGN_EVERY)
