"""Holds' part in background work: ingest's "documents stored" hook (app.tasks adds it),
and the hourly reminders and escalations ("holds.remind")."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.jobs import REGISTRY, Claimed, Services
from app.holds import membership, notices
from ingest.hooks import Stored

log = logging.getLogger("custodia.holds")


def hold_what_landed(session: Session, stored: Stored) -> None:
    """Hold, in ingest's own transaction, what active holds on this custodian cover."""
    added = membership.hold_stored(session, stored.custodian, stored.source,
                                   set(stored.families), ZoneInfo(stored.time_zone))
    for hold_id, documents in added.items():
        audit.record(session, Actor("system:holds", "local", ""), "hold.documents_add", "hold",
                     hold_id, custodian=stored.custodian, source=stored.source,
                     documents_added=documents)


REMIND_EVERY = 3600


def send_reminders(services: Services, claimed: Claimed) -> None:
    with services.database.transaction() as session:
        counts = notices.remind(session, services.settings)
    if any(counts.values()):
        log.info("hold reminders: %s", counts)


REGISTRY.register("holds.remind", send_reminders, every_seconds=REMIND_EVERY)
