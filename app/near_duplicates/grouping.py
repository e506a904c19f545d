"""Forming near-duplicate groups as documents arrive, and rebuilding them all.

A top-level document is compared as its whole family reads: its own text and every
attachment's, in order. It is pending until it has a row in near_duplicates. Assigning
it looks up the pivots sharing one of its LSH bands, compares it with them, and joins
the most similar group at or above the threshold, or starts its own. Only a pivot's
bands are stored: a member is compared with its pivot alone, so its own bands would find
no group its pivot's do not, and a group of a thousand copies costs one pivot's lookup,
not a thousand. Nothing else is recomputed: the other members' rows stay as they are.

Signatures are made in a read transaction with no lock held; the short write that
assigns them takes the catalog's turn (app.core.db.take_catalog_turn), so two workers never
both start a group for two copies of one text.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.db import Database, take_catalog_turn
from app.models import (
    Document,
    DocumentText,
    NearDuplicate,
    NearDuplicateBand,
    NearDuplicateGroup,
)
from app.near_duplicates import minhash
from app.near_duplicates.minhash import Signature
from ingest.indexer import index_again

BATCH = 200
CANDIDATES = 200  # documents compared per arrival, those sharing the most bands first
CHUNK = 500


_Key = TypeVar("_Key", uuid.UUID, int)


def chunks(ids: Iterable[_Key]) -> Iterable[list[_Key]]:
    found = sorted(set(ids))
    for start in range(0, len(found), CHUNK):
        yield found[start:start + CHUNK]


def family_texts(session: Session, heads: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each top-level document's text followed by its attachments' texts (a family's head
    is the document whose id is the family id)."""
    parts: dict[uuid.UUID, list[str]] = {}
    for chunk in chunks(heads):
        rows = session.execute(
            select(Document.family_id, Document.id, DocumentText.text)
            .join(DocumentText, DocumentText.document_id == Document.id)
            .where(Document.family_id.in_(chunk))
            .order_by(Document.family_id, Document.id != Document.family_id,
                      Document.parent_id, Document.position, Document.id))
        for family_id, _, body in rows:
            parts.setdefault(family_id, []).append(body)
    return {head: "\n".join(parts.get(head, [])) for head in heads}


def pending(session: Session, limit: int = BATCH) -> list[uuid.UUID]:
    """Top-level documents with no signature yet, oldest first."""
    known = select(NearDuplicate.document_id)
    return list(session.scalars(
        select(Document.id).where(Document.parent_id.is_(None), Document.id.not_in(known))
        .order_by(Document.created_at, Document.id).limit(limit)))


def signatures(session: Session, heads: list[uuid.UUID]) -> dict[uuid.UUID, Signature]:
    texts = family_texts(session, heads)
    return {head: minhash.signature(texts[head]) for head in heads}


@dataclass(frozen=True)
class Placed:
    document_id: uuid.UUID
    group_id: uuid.UUID | None
    similarity: float
    started: bool  # it started the group (its pivot)


class _Arrivals:
    """What one `assign` call knows of the stored pivots sharing a band with its
    documents, and of the groups it has started itself: read for the whole call at once."""

    def __init__(self, session: Session, keys: Iterable[int]) -> None:
        self.session = session
        self.by_band: dict[int, list[uuid.UUID]] = defaultdict(list)
        self.group_of: dict[uuid.UUID, uuid.UUID | None] = {}
        self.pivots: dict[uuid.UUID, Signature] = {}
        for chunk in chunks(keys):
            for band, document_id, group_id in session.execute(
                    select(NearDuplicateBand.band, NearDuplicateBand.document_id,
                           NearDuplicate.group_id)
                    .join(NearDuplicate,
                          NearDuplicate.document_id == NearDuplicateBand.document_id)
                    .where(NearDuplicateBand.band.in_(chunk))
                    .order_by(NearDuplicateBand.band, NearDuplicateBand.document_id)):
                self.by_band[band].append(document_id)
                self.group_of[document_id] = group_id
        self._read_pivots({g for g in self.group_of.values() if g is not None})

    def best_group(self, sig: Signature, keys: list[int],
                   threshold: float) -> tuple[uuid.UUID, float] | None:
        shared: Counter[uuid.UUID] = Counter(d for key in keys for d in self.by_band.get(key, ()))
        near = [doc for doc, _ in shared.most_common(CANDIDATES)]
        groups = {g for g in (self.group_of[d] for d in near) if g is not None}
        best: tuple[uuid.UUID, float] | None = None
        for group_id in sorted(groups):
            score = minhash.similarity(sig, self.pivots[group_id])
            if score >= threshold and (best is None or score > best[1]):
                best = (group_id, score)
        return best

    def placed(self, document_id: uuid.UUID, group_id: uuid.UUID | None, keys: list[int],
               sig: Signature, started: bool) -> None:
        if started and group_id is not None:
            for key in set(keys):
                self.by_band[key].append(document_id)
            self.group_of[document_id] = group_id
            self.pivots[group_id] = sig

    def _read_pivots(self, groups: set[uuid.UUID]) -> None:
        for chunk in chunks(groups):
            self.pivots.update((g, Signature.from_bytes(raw)) for g, raw in self.session.execute(
                select(NearDuplicateGroup.id, NearDuplicate.signature)
                .join(NearDuplicate, NearDuplicate.document_id == NearDuplicateGroup.pivot_id)
                .where(NearDuplicateGroup.id.in_(chunk))))


def assign(session: Session, found: dict[uuid.UUID, Signature], threshold: float,
           reuse: dict[uuid.UUID, uuid.UUID] | None = None,
           before: dict[uuid.UUID, uuid.UUID | None] | None = None) -> list[Placed]:
    """Place each document (in the order given) in its group, in the caller's transaction;
    a document placed meanwhile is left as it is. A document whose group is not the one
    `before` gives is queued for the search index again. `reuse` gives a group a rebuild
    starts from a former pivot that pivot's former group id, so few search copies change.
    The stored bands are read once for all the documents, and the rows written at the end."""
    take_catalog_turn(session)
    already = set()
    for chunk in chunks(found):
        already |= set(session.scalars(select(NearDuplicate.document_id)
                                       .where(NearDuplicate.document_id.in_(chunk))))
    keys = {d: minhash.bands(sig, threshold) for d, sig in found.items() if d not in already}
    arrivals = _Arrivals(session, (k for ks in keys.values() for k in ks))
    now = clock_of(session).now()
    placed: list[Placed] = []
    for document_id, own in keys.items():
        sig = found[document_id]
        best = arrivals.best_group(sig, own, threshold) if own else None
        group_id: uuid.UUID | None = None
        similarity = 1.0
        if best is not None:
            group_id, similarity = best
        elif sig.values is not None:
            group_id = (reuse or {}).get(document_id, uuid.uuid4())
        arrivals.placed(document_id, group_id, own, sig, best is None)
        placed.append(Placed(document_id, group_id, similarity, best is None))
    _write(session, placed, found, keys, now)
    changed = [p.document_id for p in placed if p.group_id != (before or {}).get(p.document_id)]
    for chunk in chunks(changed):
        index_again(session, Document.id.in_(chunk))
    return placed


def _write(session: Session, placed: list[Placed], found: dict[uuid.UUID, Signature],
           keys: dict[uuid.UUID, list[int]], now: datetime) -> None:
    """The new groups, then their members, then the new pivots' bands: each as one flush
    or statement."""
    session.add_all(NearDuplicateGroup(id=p.group_id, pivot_id=p.document_id)
                    for p in placed if p.started and p.group_id is not None)
    session.flush()  # groups before their members: no relationship orders the two
    session.add_all(NearDuplicate(document_id=p.document_id, group_id=p.group_id,
                                  similarity=round(p.similarity, 4), scheme=minhash.SCHEME,
                                  signature=found[p.document_id].to_bytes(),
                                  text_length=found[p.document_id].length, assigned_at=now)
                    for p in placed)
    session.flush()
    rows = [{"band": key, "document_id": p.document_id}
            for p in placed if p.started and p.group_id is not None
            for key in sorted(set(keys[p.document_id]))]
    if rows:  # Core, not the ORM's bulk path: a row per band of each new pivot
        session.connection().execute(insert(cast(Table, NearDuplicateBand.__table__)), rows)


def assign_pending(database: Database, threshold: float) -> int:
    """Place every pending document, batch by batch; returns how many were placed."""
    total = 0
    while True:
        with database.reading() as session:
            heads = pending(session)
            if not heads:
                return total
            found = signatures(session, heads)
        with database.transaction() as session:
            total += len(assign(session, found, threshold))


def forget(session: Session, document_ids: Iterable[uuid.UUID]) -> None:
    """Drop these documents' rows (a purge deletes them). A group whose pivot goes is
    dissolved: its other members are pending again and are placed anew."""
    ids = set(document_ids)
    take_catalog_turn(session)
    for chunk in chunks(ids):
        gone = list(session.scalars(select(NearDuplicateGroup.id)
                                    .where(NearDuplicateGroup.pivot_id.in_(chunk))))
        members = set(session.scalars(select(NearDuplicate.document_id)
                                      .where(NearDuplicate.group_id.in_(gone))))
        again = (members | set(chunk))
        for part in chunks(again):
            session.execute(delete(NearDuplicateBand).where(
                NearDuplicateBand.document_id.in_(part)))
            session.execute(delete(NearDuplicate).where(NearDuplicate.document_id.in_(part)))
        session.execute(delete(NearDuplicateGroup).where(NearDuplicateGroup.id.in_(gone)))
        for part in chunks(members - ids):
            index_again(session, Document.id.in_(part))


def rebuild(database: Database, threshold: float, actor: Actor) -> int:
    """Every group formed again (`custodia near-duplicates rebuild`, after the threshold
    changed): longest texts first, so each group's pivot is its longest member. A group
    whose pivot is unchanged keeps its id; documents whose group changed are indexed again.
    Returns how many documents were placed; audited once, at the end."""
    with database.transaction() as session:
        take_catalog_turn(session)
        before: dict[uuid.UUID, uuid.UUID | None] = {
            d: g for d, g in session.execute(select(NearDuplicate.document_id,
                                                    NearDuplicate.group_id))}
        pivots = {p: g for p, g in session.execute(select(NearDuplicateGroup.pivot_id,
                                                          NearDuplicateGroup.id))}
        session.execute(delete(NearDuplicateBand))
        session.execute(delete(NearDuplicate))
        session.execute(delete(NearDuplicateGroup))
        lengths = {family: int(length) for family, length in session.execute(
            select(Document.family_id, func.coalesce(func.sum(func.length(DocumentText.text)), 0))
            .outerjoin(DocumentText, DocumentText.document_id == Document.id)
            .group_by(Document.family_id))}
        heads = list(session.scalars(select(Document.id).where(Document.parent_id.is_(None))))
    heads.sort(key=lambda head: (-lengths.get(head, 0), head))
    total = 0
    for start in range(0, len(heads), BATCH):
        batch = heads[start:start + BATCH]
        with database.reading() as session:
            found = signatures(session, batch)
        with database.transaction() as session:
            total += len(assign(session, found, threshold, reuse=pivots, before=before))
    with database.transaction() as session:
        audit.record(session, actor, "near_duplicates.rebuild", "near_duplicates", "",
                     similarity=threshold, documents=total, groups_before=len(pivots),
                     **counts(session))
    return total


def counts(session: Session) -> dict[str, int]:
    """Groups of two or more, and the documents in them."""
    sizes = select(func.count().label("size")).select_from(NearDuplicate).where(
        NearDuplicate.group_id.is_not(None)).group_by(NearDuplicate.group_id).subquery()
    groups, documents = session.execute(
        select(func.count(), func.coalesce(func.sum(sizes.c.size), 0))
        .where(sizes.c.size > 1)).one()
    return {"groups": int(groups), "documents_in_groups": int(documents)}
