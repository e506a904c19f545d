"""Which documents a hold covers, materialized in held_documents and kept current.

A hold covers every family that one of its custodians' mailboxes holds (through the
ingest custodian names mapped to its people), found in its sources (all when none
are named), sent within its dates (either end open; an undated document is kept,
since nothing shows it is outside), and matching its query (all when empty). Whole
families: an attachment is held with its e-mail and the e-mail with its attachments.

Mail that lands later for a held custodian is held in the transaction that stores it
(`hold_stored`, ingest's "documents stored" hook). It cannot be searched yet, so a
hold's query does not narrow it then: preservation errs on the side of keeping, and
the next rescope applies the query again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, insert, or_, select
from sqlalchemy.orm import Session

from app.core.clock import clock_of
from app.models import Document, HeldDocument, Hold, HoldCustodian, HoldStatus, Location, PersonCustodian
from app.people import service as people
from app.search.service import engine_errors, parse_query
from search.engines import SearchEngine

CHUNK = 500  # ids per statement: SQLite binds at most 32,766 parameters


def custodian_names(session: Session, hold: Hold) -> set[str]:
    """The ingest custodian names (Location.custodian) of the hold's people."""
    return people.custodian_names(session, session.scalars(
        select(HoldCustodian.person_id).where(HoldCustodian.hold_id == hold.id)))


def _bounds(day: date | None, zone: ZoneInfo, after: bool) -> datetime | None:
    """The city's midnight starting `day` (or, `after`, ending it)."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1) if after else day, time(), zone)


def _families(hold: Hold, names: set[str], zone: ZoneInfo) -> Select[uuid.UUID]:
    """The families of the scope's custodians, sources and dates (not its query)."""
    query = (select(Document.family_id).join(Location, Location.document_id == Document.id)
             .where(Location.custodian.in_(names)).distinct())
    if hold.sources:
        query = query.where(Location.source.in_(hold.sources))
    start, end = _bounds(hold.date_from, zone, False), _bounds(hold.date_to, zone, True)
    if start is not None:
        query = query.where(or_(Document.sent_at.is_(None), Document.sent_at >= start))
    if end is not None:
        query = query.where(or_(Document.sent_at.is_(None), Document.sent_at < end))
    return query


def covered(session: Session, engine: SearchEngine, hold: Hold, zone: ZoneInfo) -> set[uuid.UUID]:
    """Every document the hold's scope covers now."""
    names = custodian_names(session, hold)
    if not names:
        return set()
    families = set(session.scalars(_families(hold, names, zone)))
    if hold.query.strip() and families:
        with engine_errors():
            matching = engine.matching(parse_query(hold.query), str(zone))
        families &= {uuid.UUID(family) for family in matching.values()}
    return _members(session, families)


def _members(session: Session, families: set[uuid.UUID]) -> set[uuid.UUID]:
    members: set[uuid.UUID] = set()
    for chunk in _chunks(families):
        members.update(session.scalars(select(Document.id).where(Document.family_id.in_(chunk))))
    return members


def held(session: Session, hold: Hold) -> set[uuid.UUID]:
    return set(session.scalars(select(HeldDocument.document_id)
                               .where(HeldDocument.hold_id == hold.id)))


def materialize(session: Session, hold: Hold, documents: set[uuid.UUID]) -> tuple[int, int]:
    """Make the hold's rows exactly `documents`; returns (added, removed)."""
    current = held(session, hold)
    added, removed = documents - current, current - documents
    now = clock_of(session).now()
    for chunk in _chunks(added):
        session.execute(insert(HeldDocument), [
            {"hold_id": hold.id, "document_id": d, "held_at": now} for d in chunk])
    for chunk in _chunks(removed):
        session.execute(delete(HeldDocument).where(HeldDocument.hold_id == hold.id,
                                                   HeldDocument.document_id.in_(chunk)))
    return len(added), len(removed)


def free(session: Session, hold: Hold) -> int:
    """Drop the hold's rows: its documents stay held only where another hold covers them."""
    result = session.execute(delete(HeldDocument).where(HeldDocument.hold_id == hold.id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def hold_stored(session: Session, custodian: str, source: str,
                families: set[uuid.UUID], zone: ZoneInfo) -> dict[uuid.UUID, int]:
    """Hold what a batch just stored for `custodian` from `source`, for each active hold
    whose scope takes it; returns documents added per hold."""
    under_hold = (select(HoldCustodian.hold_id)
                  .join(PersonCustodian, PersonCustodian.person_id == HoldCustodian.person_id)
                  .where(PersonCustodian.custodian == custodian))
    holds = session.scalars(select(Hold).where(Hold.status == HoldStatus.active,
                                               Hold.id.in_(under_hold))).all()
    added: dict[uuid.UUID, int] = {}
    for hold in holds:
        if hold.sources and source not in hold.sources:
            continue
        in_scope: set[uuid.UUID] = set()
        for chunk in _chunks(families):
            in_scope.update(session.scalars(_families(hold, {custodian}, zone)
                                            .where(Document.family_id.in_(chunk))))
        documents = _members(session, in_scope)
        for chunk in _chunks(set(documents)):  # only these: a big hold's rows stay unread
            documents -= set(session.scalars(select(HeldDocument.document_id).where(
                HeldDocument.hold_id == hold.id, HeldDocument.document_id.in_(chunk))))
        now = clock_of(session).now()
        for chunk in _chunks(documents):
            session.execute(insert(HeldDocument), [
                {"hold_id": hold.id, "document_id": d, "held_at": now} for d in chunk])
        if documents:
            added[hold.id] = len(documents)
    return added


def under_hold(session: Session, custodian: str, source: str) -> bool:
    """Whether an active hold takes mail from this custodian's source (any dates)."""
    under = (select(HoldCustodian.hold_id)
             .join(PersonCustodian, PersonCustodian.person_id == HoldCustodian.person_id)
             .where(PersonCustodian.custodian == custodian))
    return any(not hold.sources or source in hold.sources for hold in session.scalars(
        select(Hold).where(Hold.status == HoldStatus.active, Hold.id.in_(under))))


def holds_of(session: Session, document_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Hold]]:
    """The active holds that hold each of these documents (only those held)."""
    found: dict[uuid.UUID, list[Hold]] = {}
    for chunk in _chunks(set(document_ids)):
        rows = session.execute(select(HeldDocument.document_id, Hold)
                               .join(Hold, Hold.id == HeldDocument.hold_id)
                               .where(HeldDocument.document_id.in_(chunk)))
        for document_id, hold in rows:
            found.setdefault(document_id, []).append(hold)
    return found


def _chunks(ids: set[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]
