"""The search page: the query language of POST /api/v1/search, its facets, families,
pages, snippets and term report, over the same services (app.search)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.auth.deps import Principal
from app.core.deps import EngineDep, ReadSessionDep, SettingsDep
from app.core.errors import BadRequest, CustodiaError
from app.core.settings import Settings
from app.models import Role
from app.requests.lookup import open_requests
from app.search import report, saved
from app.search.schemas import SearchHit, SearchIn, SearchOut, TermReportIn
from app.search.service import QuerySyntaxError, search
from app.ui.deps import ReviewerStaff
from app.ui.forms import parsed
from app.ui.pages import render
from search.engines import SearchEngine
from search.query import FIELD_NAMES

router = APIRouter()

SORTS = {"relevance": "Most relevant first", "newest": "Newest first", "oldest": "Oldest first"}
FACET_NAMES = {"type": "Type", "custodian": "Custodian", "month": "Month",
               "sender_domain": "Sender's domain"}
FACETS_SHOWN = 15
SAVED_SHOWN = 25
CURSOR_MAX = 2000
TERMS_MAX = 20_000
# The operators of the query language (search.query), as the syntax help lists them.
SYNTAX = [
    ("budget council", "both words (AND is implied between words)"),
    ("budget OR levy", "either word"),
    ("budget NOT draft", "the first word, never the second"),
    ('"city council"', "the exact phrase"),
    ("(gas OR power) AND price", "parentheses group"),
    ("contract w/5 terminat*", "within 5 words of each other, either order"),
    ("price pre/3 gas", "the first word before the second, within 3 words"),
    ("negotiat*  wom?n", "* any letters, ? one letter (never first in a word)"),
    ("from:allen@example.org  to:  cc:  bcc:  participant:", "who sent or received it"),
    ("subject:invoice  body:  filename:  attachment:", "one part of the document"),
    ("custodian:allen-p  type:voicemail  has:attachment", "whose mailbox, what kind"),
    ("date:2024-01-01..2024-03-31  date:2024-02  after:2024-01-31  before:2025",
     "whole days in the city's time zone"),
]


@dataclass
class Marked:
    """A query with the part a syntax error points at, to show it marked."""

    before: str
    offending: str
    after: str
    message: str
    position: int


def marked_error(text: str, error: CustodiaError) -> Marked:
    position = int(error.extra.get("position", 0))
    position = max(0, min(position, len(text)))
    end = position
    while end < len(text) and (end == position or not text[end].isspace()):
        end += 1
        if text[end - 1] in '()"':
            break
    return Marked(text[:position], text[position:end], text[end:],
                  str(error.extra.get("message", error.detail)), position)


_MARK = re.compile(r"(<mark>|</mark>)")


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """A snippet as (text, marked) pieces. The engine's HTML is never trusted: the pieces
    are unescaped here and escaped again by the template, and only <mark> spans survive."""
    parts: list[tuple[str, bool]] = []
    inside = False
    for piece in _MARK.split(snippet):
        if piece in ("<mark>", "</mark>"):
            inside = piece == "<mark>"
        elif piece:
            parts.append((html.unescape(piece), inside))
    return parts


Pieces = list[list[tuple[str, bool]]]  # a hit's snippets, each as snippet_parts gives it


@dataclass
class Family:
    """One e-mail (or voicemail) and the hits of this page inside it."""

    head: Any  # DocumentSummary of the top-level document
    snippets: Pieces = field(default_factory=list)  # the head's own, when it matched
    inside: list[tuple[SearchHit, Pieces]] = field(default_factory=list)


def families(hits: list[SearchHit]) -> list[Family]:
    """Hits grouped by family, in the order the engine ranked their first hit."""
    grouped: dict[Any, Family] = {}
    for hit in hits:
        head = hit.family or hit.document
        family = grouped.setdefault(head.id, Family(head))
        pieces = [snippet_parts(snippet) for snippet in hit.snippets]
        if hit.family is None:
            family.snippets = pieces
        else:
            family.inside.append((hit, pieces))
    return list(grouped.values())


_OR = re.compile(r"(?i)(^|[\s()])or($|[\s()])")


def narrowed(query: str, facet: str, value: str) -> str | None:
    """The query with one more condition: the facet's value (None if it cannot be said)."""
    if '"' in value or not value:
        return None
    quoted = f'"{value}"' if re.search(r'[\s():]', value) else value
    clause = {"custodian": f"custodian:{quoted}", "type": f"type:{quoted}",
              "month": f"date:{quoted}", "sender_domain": f'from:"{value}"'}[facet]
    if clause in query:
        return None
    base = f"({query})" if _OR.search(query) else query
    return f"{base} {clause}"


def link(query: str, sort: str, **more: str) -> str:
    return "/search?" + urlencode({"q": query, "sort": sort, **more})


def _link_or_none(query: str | None, sort: str) -> str | None:
    return None if query is None else link(query, sort)


def term_lines(terms: str) -> list[str]:
    return [line.strip() for line in terms.splitlines() if line.strip()]


def page_context(session: Any, engine: SearchEngine, settings: Settings, principal: Principal,
                 q: str, sort: str, cursor: str | None, terms: str) -> tuple[dict[str, Any], int]:
    """Everything the search page shows, and its status (400 for a query it cannot read)."""
    if sort not in SORTS:
        raise BadRequest(f"Sort by one of: {', '.join(SORTS)}. Nothing was searched.")
    status = 200
    context: dict[str, Any] = {
        "q": q, "sort": sort, "cursor": cursor, "terms": terms, "sorts": SORTS,
        "syntax": SYNTAX, "fields": FIELD_NAMES, "found": None, "groups": [], "facets": [],
        "query_error": None, "report": None, "terms_error": None, "link": link,
        "save_name": "", "save_error": "", "review_error": "",
        "chosen_request": "",
    }
    if q:
        body = parsed(SearchIn, {"query": q, "sort": sort, "cursor": cursor or None})
        try:
            found: SearchOut = search(session, engine, settings, principal.actor, body)
        except QuerySyntaxError as error:
            context["query_error"], status = marked_error(q, error), 400
        else:
            context["found"], context["groups"] = found, families(found.hits)
            context["facets"] = [
                (FACET_NAMES.get(name, name),
                 [(bucket, _link_or_none(narrowed(q, name, bucket.value), sort))
                  for bucket in buckets[:FACETS_SHOWN]])
                for name, buckets in found.facets.items() if buckets]
    lines = term_lines(terms)
    if lines:
        wanted = parsed(TermReportIn, {"terms": lines})
        try:
            context["report"] = report.term_report(session, engine, settings, principal.actor,
                                                   wanted.terms)
        except QuerySyntaxError as error:
            term = int(error.extra.get("term", 0))
            context["terms_error"] = (term + 1, marked_error(lines[term], error))
            status = 400
    context["saved"] = saved.recent(session, SAVED_SHOWN)
    clerk = bool(principal.roles & {Role.clerk, Role.admin})
    context["open_requests"] = open_requests(session) if clerk else []
    return context, status


@router.get("/search")
def search_page(request: Request, principal: ReviewerStaff, session: ReadSessionDep,
                settings: SettingsDep, engine: EngineDep,
                q: Annotated[str, Query()] = "",
                sort: Annotated[str, Query()] = "relevance",
                cursor: Annotated[str | None, Query(max_length=CURSOR_MAX)] = None,
                terms: Annotated[str, Query(max_length=TERMS_MAX)] = "") -> Response:
    """Search the records; every search is audited, as through the API."""
    context, status = page_context(session, engine, settings, principal, q.strip(), sort,
                                   cursor, terms)
    return render(request, "search/page.html", context, status=status)
