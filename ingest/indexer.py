"""Copy documents from the database (the record of truth) into the search engine.

A document is pending while `indexed_at` is empty. Each pass sends a batch; what
the engine accepts is marked indexed, what it refuses keeps its reason and stays
pending, and an unreachable engine leaves the whole batch pending. Nothing is
ever dropped: the next pass tries again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, and_, bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from app.core.db import Database, take_catalog_turn
from app.models import Document, Location, NearDuplicate
from search.documents import IndexDoc
from search.engines import SearchEngine

BATCH = 500


def _address(entry: dict[str, str] | None) -> str:
    if not entry:
        return ""
    return f"{entry.get('name', '')} <{entry.get('email', '')}>".strip()


def _custodians(session: Session, families: set[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    rows = session.execute(
        select(Document.family_id, Location.custodian)
        .join(Location, Location.document_id == Document.id)
        .where(Document.family_id.in_(families)))
    for family_id, custodian in rows:
        found[family_id].add(custodian)
    return {family: sorted(names) for family, names in found.items()}


def _email(entry: dict[str, str] | None) -> str:
    return (entry or {}).get("email", "").strip().lower()


def _domain(entry: dict[str, str] | None) -> str:
    address = _email(entry)
    return address.rpartition("@")[2] if "@" in address else ""


def _recipients(recipients: dict[str, list[dict[str, str]]]) -> list[str]:
    found = {_email(a) for field in ("to", "cc", "bcc") for a in recipients.get(field, [])}
    return sorted(found - {""})


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _month(sent_at: datetime | None, zone: ZoneInfo) -> str:
    return sent_at.astimezone(zone).strftime("%Y-%m") if sent_at else ""


def as_index_docs(session: Session, documents: list[Document], zone: str) -> list[IndexDoc]:
    """The engines' copy of `documents`; `zone` (the city's) decides each one's month."""
    tz = ZoneInfo(zone)
    families = {d.family_id for d in documents}
    custodians = _custodians(session, families)
    # An attachment is dated by its family: `date:` and the month facet find it with its e-mail.
    family_dates = {row.id: row.sent_at for row in session.execute(
        select(Document.id, Document.sent_at).where(Document.id.in_(families)))}
    with_children = set(session.scalars(
        select(Document.parent_id).where(Document.parent_id.in_([d.id for d in documents]))))
    near_duplicates = {doc: str(group) for doc, group in session.execute(
        select(NearDuplicate.document_id, NearDuplicate.group_id).where(
            NearDuplicate.document_id.in_([d.id for d in documents]),
            NearDuplicate.group_id.is_not(None)))}
    return [
        IndexDoc(
            id=str(d.id), family_id=str(d.family_id), kind=d.kind.value,
            parent_id=str(d.parent_id) if d.parent_id else None,
            custodians=custodians.get(d.family_id, []), subject=d.subject,
            body=d.text.text if d.text else "", sender=_address(d.sender),
            to=[_address(a) for a in d.recipients.get("to", [])],
            cc=[_address(a) for a in d.recipients.get("cc", [])],
            bcc=[_address(a) for a in d.recipients.get("bcc", [])],
            date=_iso(d.sent_at or family_dates.get(d.family_id)),
            month=_month(d.sent_at or family_dates.get(d.family_id), tz),
            sender_domain=_domain(d.sender), sender_address=_email(d.sender),
            recipient_addresses=_recipients(d.recipients), filename=d.filename,
            content_type=d.content_type, has_attachment=d.id in with_children,
            thread_id=d.thread_id, inclusive=d.inclusive,
            near_duplicate_group=near_duplicates.get(d.id, ""), version=d.generation,
        )
        for d in documents
    ]


def index_again(session: Session, *where: ColumnElement[bool]) -> None:
    """Queue documents for the index again: their copy there must change (new text, a new
    custodian). The new generation keeps a pass that read them before from marking them done."""
    session.execute(update(Document).where(*where).values(
        indexed_at=None, generation=Document.generation + 1),
        execution_options={"synchronize_session": False})


def index_pending(database: Database, engine: SearchEngine, zone: str,
                  limit: int | None = None) -> int:
    """Index pending documents batch by batch; returns how many the engine accepted.

    A batch is read in a read transaction and sent to the engine with no catalog lock
    held; then one short write marks those whose generation is still the one sent.
    A document changed meanwhile stays pending and goes in the next batch.
    """
    accepted = 0
    while limit is None or accepted < limit:
        with database.reading() as session:
            batch = list(session.execute(
                select(Document).where(Document.indexed_at.is_(None))
                .options(selectinload(Document.text)).order_by(Document.created_at)
                .limit(BATCH)).scalars())
            if not batch:
                break
            docs = as_index_docs(session, batch, zone)
        failures = engine.index(docs)
        _mark(database, docs, failures)
        accepted += len(docs) - len(failures)
        if len(failures) == len(batch):
            break  # nothing moved: leave the rest for the next pass
    return accepted


def _mark(database: Database, docs: list[IndexDoc], failures: dict[str, str]) -> None:
    table = cast(Table, Document.__table__)
    same = and_(table.c.id == bindparam("doc_id"), table.c.generation == bindparam("sent"))
    sent = {d.id: d.version for d in docs}
    done = [{"doc_id": uuid.UUID(i), "sent": v} for i, v in sent.items() if i not in failures]
    refused = [{"doc_id": uuid.UUID(i), "sent": sent[i], "reason": reason}
               for i, reason in failures.items() if i in sent]
    with database.transaction() as session:
        take_catalog_turn(session)
        connection = session.connection()
        if done:
            connection.execute(update(table).where(same).values(
                indexed_at=database.clock.now(), index_error=""), done)
        if refused:
            connection.execute(update(table).where(same).values(
                index_error=bindparam("reason")), refused)


def rebuild(database: Database, engine: SearchEngine, zone: str) -> int:
    """`custodia reindex`: a new index version from the database, then switch the alias."""
    started = database.clock.now()
    version = engine.new_version()
    total, last = 0, None
    while True:
        with database.reading() as session:
            query = select(Document).options(selectinload(Document.text)).order_by(Document.id)
            if last is not None:
                query = query.where(Document.id > last)
            batch = list(session.scalars(query.limit(BATCH)))
            if not batch:
                break
            failures = engine.index(as_index_docs(session, batch, zone), version=version)
        if failures:
            some_id, reason = next(iter(failures.items()))
            raise RuntimeError(f"{len(failures)} documents refused, e.g. {some_id}: {reason}")
        total, last = total + len(batch), batch[-1].id
    engine.activate(version)
    # Documents stored while the scan ran may have gone to the old version only.
    with database.transaction() as session:
        index_again(session, Document.created_at >= started)
    return total
