"""What the holds API and the hold pages show of a hold: one set of queries for both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.holds import notices, service
from app.holds.schemas import AcknowledgementOut, HeldBreakdownOut, HoldOut
from app.models import (
    Document,
    HeldDocument,
    Hold,
    HoldAcknowledgement,
    HoldNotice,
    HoldStatus,
    Location,
    MailStatus,
    OutboxMessage,
    Person,
)


def show(session: Session, hold: Hold) -> HoldOut:
    return HoldOut(**{name: getattr(hold, name) for name in HoldOut.model_fields
                      if name not in {"custodians", "documents_held",
                                      "acknowledgements_outstanding"}},
                   custodians=service.custodians(session, hold),
                   documents_held=service.held_count(session, hold),
                   acknowledgements_outstanding=notices.outstanding(session, hold))


def listing(status: HoldStatus | None = None) -> Select[Any]:
    """Holds, newest first (optionally of one status)."""
    query = select(Hold).order_by(Hold.created_at.desc(), Hold.id)
    return query if status is None else query.where(Hold.status == status)


def breakdown(session: Session, hold: Hold) -> list[HeldBreakdownOut]:
    """The hold's documents by custodian and source (families counted once per location)."""
    heads = select(HeldDocument.document_id).where(HeldDocument.hold_id == hold.id)
    rows = session.execute(
        select(Location.custodian, Location.source, func.count(func.distinct(Document.id)))
        .join(Document, Document.id == Location.document_id)
        .where(Document.id.in_(heads))
        .group_by(Location.custodian, Location.source)
        .order_by(Location.custodian, Location.source))
    return [HeldBreakdownOut(custodian=c, source=s, documents=n) for c, s, n in rows]


def acknowledgements(session: Session, hold: Hold) -> list[AcknowledgementOut]:
    """Each custodian's acknowledgement per scope, with their answers."""
    rows = session.execute(select(HoldAcknowledgement, Person.name)
                           .join(Person, Person.id == HoldAcknowledgement.person_id)
                           .where(HoldAcknowledgement.hold_id == hold.id)
                           .order_by(HoldAcknowledgement.scope_version, Person.name))
    return [AcknowledgementOut(person_name=name, **{
        field: getattr(ack, field) for field in AcknowledgementOut.model_fields
        if field != "person_name"}) for ack, name in rows]


def notices_sent(session: Session, hold: Hold) -> list[tuple[HoldNotice, str, MailStatus]]:
    """Every notice the hold sent (notice, reminder, escalation, release), to whom, and how
    its mail stands (queued, sent, failed), in the order they were queued."""
    return [(notice, name, status) for notice, name, status in session.execute(
        select(HoldNotice, Person.name, OutboxMessage.status)
        .join(Person, Person.id == HoldNotice.person_id)
        .join(OutboxMessage, OutboxMessage.id == HoldNotice.outbox_message_id)
        .where(HoldNotice.hold_id == hold.id).order_by(HoldNotice.created_at, Person.name))]


def acknowledged(session: Session, hold: Hold) -> tuple[int, int]:
    """How many custodians acknowledged the hold's current scope, of how many were asked."""
    rows = list(session.scalars(select(HoldAcknowledgement.acknowledged_at).where(
        HoldAcknowledgement.hold_id == hold.id,
        HoldAcknowledgement.scope_version == hold.scope_version)))
    return sum(1 for at in rows if at is not None), len(rows)
