"""Reviewers' tags on a request's documents, the review set's pages, and review progress.

A tag is one decision on one document for one request: who made it, when, the ground
(a citation) where it withholds, and a note. responsive and not_responsive are one
decision: setting either replaces the other. The redaction and release steps read them.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.auth.deps import Principal
from app.core import audit
from app.core.clock import clock_of
from app.core.errors import BadRequest, Forbidden, NotFound
from app.core.pagination import Page, PageParams, paginate
from app.core.settings import Settings
from app.models import (
    Citation,
    Document,
    HeldDocument,
    RecordsRequest,
    ReviewSetItem,
    ReviewTag,
    Role,
)
from app.models import ReviewTagName as Tag
from app.review import citations
from app.review.schemas import ItemDocument, ProgressOut, ReviewItemOut, TaggedOut, TagIn, TagOut
from app.review.service import chunks, deleted, require_in_set
from app.search.service import engine_errors, parse_query
from search.engines import SearchEngine

ATTORNEY_TAGS = frozenset({Tag.privileged, Tag.exempt})
CITED = frozenset({Tag.privileged, Tag.exempt})
OPPOSITE = {Tag.responsive: Tag.not_responsive, Tag.not_responsive: Tag.responsive}


class CitationRequired(BadRequest):
    code = "citation_required"


def may_set(principal: Principal, tag: Tag) -> None:
    """Only attorneys (and admins) mark a whole document privileged or exempt, i.e. withheld;
    the clerk's office sets the others."""
    roles = principal.roles
    if Role.admin in roles:
        return
    if tag in ATTORNEY_TAGS:
        if Role.attorney in roles:
            return
        raise Forbidden(f"Only attorneys may mark a document {tag.value}: withholding a whole "
                        "document is the city attorney's decision.", tag=tag.value)
    if Role.clerk in roles:
        return
    raise Forbidden(f"Attorneys may set the privileged and exempt tags; {tag.value} is the "
                    "clerk's office's.", tag=tag.value)


def _citation(session: Session, settings: Settings, body: TagIn) -> Citation | None:
    if body.tag == Tag.exempt and not body.citation:
        raise CitationRequired("An exempt tag needs the citation it is withheld under.")
    if body.citation and body.tag not in CITED:
        raise BadRequest(f"A {body.tag.value} tag cites nothing: citations go with exempt and "
                         "privileged.", tag=body.tag.value)
    if not body.citation:
        return None
    return citations.usable(session, body.citation, citations.today(session, settings))


def _selected(session: Session, engine: SearchEngine, settings: Settings,
              request: RecordsRequest, body: TagIn) -> set[uuid.UUID]:
    if body.document_ids is not None:
        return require_in_set(session, request, body.document_ids)
    assert body.query is not None
    tree = parse_query(body.query)
    with engine_errors():
        found = {uuid.UUID(d) for d in engine.matching(tree, settings.time_zone)}
    members = set(session.scalars(select(ReviewSetItem.document_id)
                                  .where(ReviewSetItem.request_id == request.id)))
    return found & members


def _snapshot(tag: ReviewTag) -> dict[str, Any]:
    return {"tag": tag.tag.value, "citation": tag.citation_code, "note": tag.note,
            "tagged_by": tag.tagged_by}


def set_tags(session: Session, engine: SearchEngine, settings: Settings, principal: Principal,
             request: RecordsRequest, body: TagIn,
             near_duplicates: dict[str, Any] | None = None) -> TaggedOut:
    """Tag the chosen documents of the review set (by id, or those a query matches).

    `near_duplicates` names the group a tag is propagated to (app.near_duplicates): the
    action is then audited as one propagation listing the members, even if none changed."""
    may_set(principal, body.tag)
    citation = _citation(session, settings, body)
    chosen = _selected(session, engine, settings, request, body)
    now = clock_of(session).now()
    existing: dict[uuid.UUID, ReviewTag] = {}
    replaced = 0
    for chunk in chunks(chosen):
        existing.update((t.document_id, t) for t in session.scalars(select(ReviewTag).where(
            ReviewTag.request_id == request.id, ReviewTag.tag == body.tag,
            ReviewTag.document_id.in_(chunk))))
        if body.tag in OPPOSITE:
            replaced += deleted(session, delete(ReviewTag).where(
                ReviewTag.request_id == request.id, ReviewTag.tag == OPPOSITE[body.tag],
                ReviewTag.document_id.in_(chunk)))
    code = citation.code if citation else ""
    changed: list[dict[str, Any]] = []
    for document_id in sorted(chosen):
        tag = existing.get(document_id)
        before = _snapshot(tag) if tag else None
        if tag is None:
            tag = ReviewTag(request_id=request.id, document_id=document_id, tag=body.tag)
            session.add(tag)
        elif tag.citation_code == code and tag.note == body.note:
            continue  # already reads the same: who decided it first stays
        tag.citation_id, tag.citation_code, tag.note = (citation.id if citation else None), code, body.note
        tag.tagged_by_id, tag.tagged_by, tag.tagged_at = (principal.user.id,
                                                          principal.user.username, now)
        changed.append({"document_id": str(document_id), "before": before})
    session.flush()
    result = TaggedOut(tag=body.tag, documents=len(chosen), changed=len(changed),
                       replaced=replaced)
    if near_duplicates is not None:
        audit.record(session, principal.actor, "review_tag.propagate", "records_request",
                     request.id, request_number=request.number, tag=body.tag.value,
                     citation=code, note=body.note, near_duplicates=near_duplicates,
                     replaced=replaced, changes=changed)
    elif changed or replaced:
        audit.record(session, principal.actor, "review_tag.set", "records_request", request.id,
                     request_number=request.number, tag=body.tag.value, citation=code,
                     note=body.note, query=body.query, replaced=replaced, changes=changed)
    return result


def remove_tag(session: Session, principal: Principal, request: RecordsRequest,
               document_id: uuid.UUID, tag_name: Tag) -> None:
    may_set(principal, tag_name)
    tag = session.scalar(select(ReviewTag).where(
        ReviewTag.request_id == request.id, ReviewTag.document_id == document_id,
        ReviewTag.tag == tag_name))
    if tag is None:
        raise NotFound(f"This document has no {tag_name.value} tag on this request.")
    before = _snapshot(tag)
    session.delete(tag)
    session.flush()
    audit.record(session, principal.actor, "review_tag.remove", "records_request", request.id,
                 request_number=request.number, document_id=str(document_id), before=before)


def items(session: Session, request: RecordsRequest, page: PageParams,
          tag: Tag | None, untagged: bool) -> Page[ReviewItemOut]:
    """A page of the review set, in the order it was added, each document with its tags."""
    query = select(ReviewSetItem).where(ReviewSetItem.request_id == request.id)
    tagged = select(ReviewTag.document_id).where(ReviewTag.request_id == request.id)
    if tag is not None:
        query = query.where(ReviewSetItem.document_id.in_(tagged.where(ReviewTag.tag == tag)))
    if untagged:
        query = query.where(ReviewSetItem.document_id.not_in(tagged))
    found: Page[ReviewSetItem] = paginate(
        session, query.order_by(ReviewSetItem.created_at, ReviewSetItem.document_id), page,
        lambda item: item)
    ids = [item.document_id for item in found.items]
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
    tags: dict[uuid.UUID, list[TagOut]] = {}
    for row in session.scalars(select(ReviewTag).where(
            ReviewTag.request_id == request.id, ReviewTag.document_id.in_(ids))
            .order_by(ReviewTag.tag)):
        tags.setdefault(row.document_id, []).append(TagOut.model_validate(row))
    held = set(session.scalars(select(HeldDocument.document_id)
                               .where(HeldDocument.document_id.in_(ids))))
    return Page(items=[_item(item, documents[item.document_id], tags, item.document_id in held)
                       for item in found.items],
                total=found.total, offset=found.offset, limit=found.limit)


def _item(item: ReviewSetItem, doc: Document, tags: dict[uuid.UUID, list[TagOut]],
          held: bool) -> ReviewItemOut:
    return ReviewItemOut(under_legal_hold=held,
        document=ItemDocument(id=doc.id, kind=doc.kind, subject=doc.subject,
                              filename=doc.filename, sent_at=doc.sent_at,
                              family_id=doc.family_id, parent_id=doc.parent_id),
        query=item.query, via_family=item.via_family, added_by=item.added_by,
        added_at=item.created_at, tags=tags.get(item.document_id, []))


def progress(session: Session, request: RecordsRequest) -> ProgressOut:
    total = session.scalar(select(func.count()).select_from(ReviewSetItem)
                           .where(ReviewSetItem.request_id == request.id)) or 0
    tagged = session.scalar(select(func.count(func.distinct(ReviewTag.document_id)))
                            .where(ReviewTag.request_id == request.id)) or 0
    counts = {tag: count for tag, count in session.execute(
        select(ReviewTag.tag, func.count()).where(ReviewTag.request_id == request.id)
        .group_by(ReviewTag.tag))}
    held = session.scalar(select(func.count(func.distinct(HeldDocument.document_id))).where(
        HeldDocument.document_id.in_(select(ReviewSetItem.document_id)
                                     .where(ReviewSetItem.request_id == request.id)))) or 0
    return ProgressOut(total=total, untagged=total - tagged, under_legal_hold=held,
                       tags={name: counts.get(name, 0) for name in Tag})
