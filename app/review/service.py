"""A request's review set: documents added by a search or by id, whole families at a time.

Each row is a snapshot of how the document got there (the query, who, when, and whether
it came along with its family), so the set can be explained later however the index
changes. Adding what is already there changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Delete, delete, func, select
from sqlalchemy.orm import Session

from app.auth.deps import Principal
from app.core import audit
from app.core.errors import BadRequest
from app.core.settings import Settings
from app.models import Document, Person, RecordsRequest, ReviewSetItem, ReviewTag
from app.people.service import custodian_names
from app.review.schemas import AddedOut, RemovedOut
from app.search.service import engine_errors, parse_query
from search.ast import And, Custodian, Node, Or
from search.engines import SearchEngine

CHUNK = 500
Key = TypeVar("Key", uuid.UUID, str)


class NotInReviewSet(BadRequest):
    code = "not_in_review_set"


class UnknownDocuments(BadRequest):
    code = "unknown_documents"


def chunks(ids: Iterable[Key]) -> Iterator[list[Key]]:
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        yield wanted[start:start + CHUNK]


def deleted(session: Session, statement: Delete) -> int:
    """Run a DELETE; how many rows it removed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def set_size(session: Session, request: RecordsRequest) -> int:
    return session.scalar(select(func.count()).select_from(ReviewSetItem)
                          .where(ReviewSetItem.request_id == request.id)) or 0


def in_set(session: Session, request: RecordsRequest, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `ids` that are in the request's review set."""
    found: set[uuid.UUID] = set()
    for chunk in chunks(ids):
        found.update(session.scalars(select(ReviewSetItem.document_id).where(
            ReviewSetItem.request_id == request.id, ReviewSetItem.document_id.in_(chunk))))
    return found


def require_in_set(session: Session, request: RecordsRequest,
                   ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    wanted = set(ids)
    missing = wanted - in_set(session, request, wanted)
    if missing:
        raise NotInReviewSet(
            f"{len(missing)} of these documents are not in request {request.number}'s review "
            "set: add them first.", document_ids=sorted(str(m) for m in missing))
    return wanted


def families(session: Session, family_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Every document of these families: the e-mail and all that is inside it."""
    members: set[uuid.UUID] = set()
    for chunk in chunks(family_ids):
        members.update(session.scalars(select(Document.id).where(Document.family_id.in_(chunk))))
    return members


def _add(session: Session, principal: Principal, request: RecordsRequest,
         hits: dict[uuid.UUID, uuid.UUID], query: str) -> AddedOut:
    """Add the hits (id -> family id) and their families' other documents."""
    everyone = families(session, set(hits.values())) | set(hits)
    already = in_set(session, request, everyone)
    new = sorted(everyone - already)
    session.add_all(ReviewSetItem(
        request_id=request.id, document_id=document_id, query=query,
        via_family=document_id not in hits, added_by_id=principal.user.id,
        added_by=principal.user.username) for document_id in new)
    session.flush()
    result = AddedOut(query=query, hits=len(hits), added=len(new),
                      added_as_family=sum(1 for d in new if d not in hits),
                      already_in_set=len(already), total=set_size(session, request))
    audit.record(session, principal.actor, "review_set.add", "records_request", request.id,
                 request_number=request.number, **result.model_dump(),
                 document_ids=[str(d) for d in new])
    return result


def _within_people(session: Session, tree: Node, people: list[uuid.UUID]) -> Node:
    """The query narrowed to these people's mailboxes (the custodian directory)."""
    if not people:
        return tree
    known = set(session.scalars(select(Person.id).where(Person.id.in_(people))))
    if missing := sorted(str(p) for p in set(people) - known):
        raise BadRequest(f"No person has the id {', '.join(missing)}.", unknown=missing)
    names = custodian_names(session, people)
    if not names:
        raise BadRequest("None of these people has mail in Custodia yet: map their custodian "
                         "names in the people directory first.")
    return And((tree, Or(tuple(Custodian(name) for name in sorted(names)))))


def add_by_search(session: Session, engine: SearchEngine, settings: Settings,
                  principal: Principal, request: RecordsRequest, query: str,
                  people: list[uuid.UUID] | None = None) -> AddedOut:
    """Run a search (the query language of POST /search), within some people's mail if
    named, and add every hit, with families."""
    tree = _within_people(session, parse_query(query), people or [])
    with engine_errors():
        found = engine.matching(tree, settings.time_zone)
    hits = {uuid.UUID(d): uuid.UUID(f) for d, f in found.items()}
    known: set[uuid.UUID] = set()
    for chunk in chunks(hits):  # the index may hold a copy of a document since deleted
        known.update(session.scalars(select(Document.id).where(Document.id.in_(chunk))))
    audit.record(session, principal.actor, "search.run", "search", "", query=query,
                 total=len(hits), engine=engine.name, request_number=request.number,
                 purpose="review_set", people=[str(p) for p in people or []])
    return _add(session, principal, request, {d: f for d, f in hits.items() if d in known},
                query)


def add_documents(session: Session, principal: Principal, request: RecordsRequest,
                  ids: list[uuid.UUID]) -> AddedOut:
    hits: dict[uuid.UUID, uuid.UUID] = {}
    for chunk in chunks(ids):
        for document_id, family_id in session.execute(
                select(Document.id, Document.family_id).where(Document.id.in_(chunk))):
            hits[document_id] = family_id
    missing = set(ids) - set(hits)
    if missing:
        raise UnknownDocuments(f"{len(missing)} of these document ids are not in the catalog.",
                               document_ids=sorted(str(m) for m in missing))
    return _add(session, principal, request, hits, "")


def remove_documents(session: Session, principal: Principal, request: RecordsRequest,
                     ids: list[uuid.UUID], with_family: bool) -> RemovedOut:
    """Take documents (and their families, unless asked not to) out, with their tags."""
    chosen = require_in_set(session, request, ids)
    if with_family:
        heads: set[uuid.UUID] = set()
        for chunk in chunks(chosen):
            heads.update(session.scalars(select(Document.family_id).where(Document.id.in_(chunk))))
        chosen = in_set(session, request, families(session, heads) | chosen)
    tags_removed = removed = 0
    for chunk in chunks(chosen):
        tags_removed += deleted(session, delete(ReviewTag).where(
            ReviewTag.request_id == request.id, ReviewTag.document_id.in_(chunk)))
        removed += deleted(session, delete(ReviewSetItem).where(
            ReviewSetItem.request_id == request.id, ReviewSetItem.document_id.in_(chunk)))
    session.flush()
    result = RemovedOut(removed=removed, tags_removed=tags_removed,
                        total=set_size(session, request))
    audit.record(session, principal.actor, "review_set.remove", "records_request", request.id,
                 request_number=request.number, with_family=with_family, **result.model_dump(),
                 document_ids=sorted(str(d) for d in chosen))
    return result
