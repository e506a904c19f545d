"""Run searches for people: the engine finds, the catalog describes, the audit trail remembers.

The engine returns ids; everything a person reads (subject, sender, snippets,
the e-mail an attachment came from) comes from the database, the record of
truth, so both engines show the same thing for the same hits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.audit.service import Actor
from app.core.errors import BadRequest, ServiceUnavailable
from app.core.settings import Settings
from app.models import Document, Location
from app.search.schemas import DocumentSummary, FacetBucket, SearchHit, SearchIn, SearchOut
from search import highlight
from search.ast import Node
from search.documents import IndexUnavailable
from search.engines import SearchEngine
from search.query import QueryError, parse
from search.results import Hit, SearchError, SearchSpec


class QuerySyntaxError(BadRequest):
    code = "query_syntax"


def parse_query(text: str, term: int | None = None) -> Node:
    """The tree of `text`, or a 400 that says where and what is wrong."""
    try:
        return parse(text)
    except QueryError as exc:
        where = f"Term {term + 1}: " if term is not None else ""
        extra = {"term": term} if term is not None else {}
        raise QuerySyntaxError(f"{where}{exc}", position=exc.position, message=exc.message,
                               **extra) from None


@contextmanager
def engine_errors() -> Iterator[None]:
    try:
        yield
    except SearchError as exc:
        raise BadRequest(str(exc)) from None
    except IndexUnavailable:
        raise ServiceUnavailable("The search index is not answering; try again shortly.") from None


def search(session: Session, engine: SearchEngine, settings: Settings, actor: Actor,
           request: SearchIn) -> SearchOut:
    query = parse_query(request.query)
    spec = SearchSpec(query, settings.time_zone, request.sort, request.size, request.cursor,
                      request.facets)
    with engine_errors():
        page = engine.search(spec)
    audit.record(session, actor, "search.run", "search", "", query=request.query,
                 sort=request.sort, total=page.total, page_hits=len(page.hits),
                 engine=engine.name, continued=request.cursor is not None)
    return SearchOut(
        query=request.query, total=page.total,
        hits=describe(session, settings, query, page.hits),
        facets={name: [FacetBucket(value=v, count=c) for v, c in buckets]
                for name, buckets in page.facets.items()},
        next_cursor=page.cursor,
    )


def _sender(document: Document) -> str:
    sender = document.sender or {}
    name, email = sender.get("name", ""), sender.get("email", "")
    return f"{name} <{email}>" if name and email else name or email


def _summary(document: Document, settings: Settings, custodians: list[str]) -> DocumentSummary:
    return DocumentSummary(
        id=document.id, kind=document.kind.value, subject=document.subject,
        sender=_sender(document), sent_at=document.sent_at,
        sent_at_local=document.sent_at.astimezone(settings.zone).isoformat()
        if document.sent_at else None,
        filename=document.filename, custodians=custodians)


def describe(session: Session, settings: Settings, query: Node, hits: list[Hit]) -> list[SearchHit]:
    """The catalog's view of a page of hits, each with its family head and snippets."""
    ids = {uuid.UUID(h.id) for h in hits} | {uuid.UUID(h.family_id) for h in hits}
    documents = {d.id: d for d in session.scalars(
        select(Document).where(Document.id.in_(ids)).options(selectinload(Document.text)))}
    custodians: dict[uuid.UUID, set[str]] = {}
    for document_id, custodian in session.execute(
            select(Location.document_id, Location.custodian)
            .where(Location.document_id.in_({uuid.UUID(h.family_id) for h in hits}))):
        custodians.setdefault(document_id, set()).add(custodian)
    matches = highlight.matcher(query, "body")
    described = []
    for hit in hits:
        document = documents.get(uuid.UUID(hit.id))
        head = documents.get(uuid.UUID(hit.family_id))
        if document is None or head is None:
            continue  # deleted from the catalog since it was indexed
        names = sorted(custodians.get(head.id, ()))
        text = document.text.text if document.text else ""
        described.append(SearchHit(
            document=_summary(document, settings, names),
            family=_summary(head, settings, names) if head.id != document.id else None,
            parent_id=document.parent_id, score=hit.score,
            snippets=highlight.snippets(text, matches) or ([highlight.opening(text)] if text else []),
        ))
    return described
