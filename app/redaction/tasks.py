"""Redaction's background work: "redaction.suggest" over a large review set, a chunk of
documents a transaction (app.tasks loads it into the workers)."""

from __future__ import annotations

import logging
import uuid

from app.core.audit import Actor
from app.core.jobs import REGISTRY, Claimed, Services
from app.models import RecordsRequest
from app.redaction import suggest as suggestions
from app.redaction.service import set_ids

log = logging.getLogger("custodia.redaction")


def suggest_in_background(services: Services, claimed: Claimed) -> None:
    """Suggest over the request's review set as it is now, in the asker's name."""
    payload = claimed.payload
    actor = Actor(payload["username"], f"worker:{claimed.worker}", str(claimed.id),
                  payload["user_id"])
    request_id = uuid.UUID(payload["request_id"])
    with services.database.reading() as session:
        request = session.get(RecordsRequest, request_id)
        ids = set_ids(session, request) if request is not None else []
    options, total = suggestions.options_from(services.settings), 0
    size = suggestions.SYNC_DOCUMENTS
    for start in range(0, len(ids), size):
        with services.database.transaction() as session:
            claimed.renew(session)
            request = session.get(RecordsRequest, request_id)
            if request is None:
                return
            total += suggestions.suggest(session, actor, ids[start:start + size], options,
                                         request).suggested
    log.info("redaction suggestions for request %s: %d new", request_id, total)


REGISTRY.register(suggestions.JOB_KIND, suggest_in_background)
