"""Run searches for people: the engine finds, the catalog describes, the audit trail remembers.

The engine returns ids; everything a person reads (subject, sender, snippets,
the e-mail an attachment came from) comes from the database, the record of
truth, so both engines show the same thing for the same hits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.db import write_soon
from app.core.errors import BadRequest, ServiceUnavailable
from app.core.settings import Settings
from app.models import Document, DocumentText, Location
from app.search.schemas import DocumentSummary, FacetBucket, SearchHit, SearchIn, SearchOut
from search import highlight
from search.ast import Node
from search.documents import IndexUnavailable
from search.engines import SearchEngine
from search.query import QueryError, parse
from search.results import Hit, IndexOutdated, SearchError, SearchSpec


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
    except IndexOutdated as exc:  # not the searcher's fault: the server needs a reindex
        raise ServiceUnavailable(str(exc)) from None
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
    write_soon(session)  # the entry is complete: append it while the page is described
    return SearchOut(
        query=request.query, total=page.total,
        hits=describe(session, settings, query, page.hits),
        facets={name: [FacetBucket(value=v, count=c) for v, c in buckets]
                for name, buckets in page.facets.items()},
        next_cursor=page.cursor,
    )


_SUMMARY = (Document.id, Document.kind, Document.subject, Document.sender, Document.sent_at,
            Document.filename, Document.parent_id)


def _sender(sender: dict[str, str] | None) -> str:
    name, email = (sender or {}).get("name", ""), (sender or {}).get("email", "")
    return f"{name} <{email}>" if name and email else name or email


def _summary(row: Row[Any], settings: Settings, custodians: list[str]) -> DocumentSummary:
    # model_construct: the catalog's own values, not input to validate (every search runs this)
    return DocumentSummary.model_construct(
        id=row.id, kind=row.kind.value, subject=row.subject, sender=_sender(row.sender),
        sent_at=row.sent_at,
        sent_at_local=row.sent_at.astimezone(settings.zone).isoformat() if row.sent_at else None,
        filename=row.filename, custodians=custodians)


def describe(session: Session, settings: Settings, query: Node, hits: list[Hit]) -> list[SearchHit]:
    """The catalog's view of a page of hits, each with its family head and snippets.

    Plain rows through the session's connection, not ORM objects, and only the start
    of each text: this runs on every search, and its cost is the API's overhead over
    the engine's.
    """
    heads = {uuid.UUID(h.family_id) for h in hits}
    text = func.substr(DocumentText.text, 1, highlight.SCAN_LIMIT).label("text")
    connection = session.connection()
    rows = {row.id: row for row in connection.execute(
        select(*_SUMMARY, text).outerjoin(DocumentText, DocumentText.document_id == Document.id)
        .where(Document.id.in_({uuid.UUID(h.id) for h in hits} | heads)))}
    custodians: dict[uuid.UUID, set[str]] = {}
    for document_id, custodian in connection.execute(
            select(Location.document_id, Location.custodian).where(Location.document_id.in_(heads))):
        custodians.setdefault(document_id, set()).add(custodian)
    marker = highlight.matcher(query, "body")
    described = []
    for hit in hits:
        row, head = rows.get(uuid.UUID(hit.id)), rows.get(uuid.UUID(hit.family_id))
        if row is None or head is None:
            continue  # deleted from the catalog since it was indexed
        names = sorted(custodians.get(head.id, ()))
        body = row.text or ""
        described.append(SearchHit.model_construct(
            document=_summary(row, settings, names),
            family=_summary(head, settings, names) if head.id != row.id else None,
            parent_id=row.parent_id, score=hit.score,
            snippets=highlight.snippets(body, marker) or ([highlight.opening(body)] if body else []),
        ))
    return described
