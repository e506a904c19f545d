"""The daily audit anchor ("audit.anchor"): the trail's head mailed to the auditors, so a
copy of it lives outside Custodia (see app.audit.anchors)."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import anchors
from app.audit import service as trail
from app.audit.chain import Verdict
from app.core import audit
from app.core.audit import Actor
from app.core.jobs import REGISTRY, Claimed, Services
from app.core.mail import send_later
from app.core.settings import Settings
from app.models import AuditEntry, Role, User, UserRole

log = logging.getLogger("custodia.audit")

EVERY = 24 * 3600
ACTION = "audit.anchor_mail"


def recipients(session: Session, settings: Settings) -> list[str]:
    """CUSTODIA_AUDIT_ANCHOR_MAIL_TO, or else every active auditor with an address."""
    if settings.anchor_recipients:
        return list(settings.anchor_recipients)
    return sorted(set(session.scalars(
        select(User.email).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.auditor, User.is_active.is_(True), User.email != ""))))


def mail_anchor(services: Services, claimed: Claimed | None = None) -> None:
    """Mail the verified head to the auditors, unless nothing but the last such mail
    happened since; a broken chain is mailed as such. Verifying reads the whole trail,
    so it runs in a read transaction, not holding the write lock."""
    with services.database.reading() as session:
        to = recipients(session, services.settings)
        head = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
        if not to or head is None:
            log.info("audit anchor not mailed: %s", "no recipients" if head else "empty trail")
            return
        if head.action == ACTION and head.details.get("head_seq") == head.seq - 1:
            return
        verdict = trail.verify(session)
    subject, text = _message(services, verdict)
    with services.database.transaction() as session:
        message = send_later(session, to, subject, text, about=("audit", "anchor"))
        audit.record(session, Actor("system:audit", "local", uuid.uuid4().hex), ACTION, "audit",
                     "trail", head_seq=verdict.head_seq, head_hash=verdict.head_hash,
                     intact=verdict.intact, recipients=to, mail_message=str(message.id))


def _message(services: Services, verdict: Verdict) -> tuple[str, str]:
    city = services.settings.city_name
    if not verdict.intact or verdict.head_seq is None or verdict.head_hash is None:
        return (f"{city} Custodia audit trail BROKEN at entry {verdict.first_broken_seq}",
                f"Verifying the audit trail found entry {verdict.first_broken_seq} broken: "
                f"{verdict.problem}\n")
    anchor = anchors.anchor_of(verdict.head_seq, verdict.head_hash, services.database.clock.now())
    return (f"{city} Custodia audit anchor: entry {anchor.seq}",
            f"The audit trail's head now:\n\n{anchor.text()}\n\nKeep this line: append it to "
            "your anchors file; `custodia audit verify --anchors FILE` then shows whether "
            "entries up to it were later cut off or rewritten.\n")


REGISTRY.register("audit.anchor", mail_anchor, every_seconds=EVERY)
