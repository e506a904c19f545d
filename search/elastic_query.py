"""The syntax tree (search.ast) as Elasticsearch query DSL.

The index holds our own token streams (search.analysis) split on spaces only, so
every token in the tree is exactly one indexed term: terms are looked up as they
are (`term`, `span_term`), never analyzed again. The embedded engine implements
the same semantics; the two must return the same hit sets.

Proximity is built from ordered `span_near` queries only, over spans of a fixed
width. Two Lucene behaviours would otherwise change the meaning:
  - unordered span_near lets the two sides overlap (`budget w/3 budget` would
    match a single "budget"), so w/N is "left then right" OR "right then left",
    each side a separate, non-overlapping occurrence;
  - ordered span_near over a span_or whose alternatives differ in length can
    miss matches (LUCENE-7398), so alternatives are grouped by length and each
    pair of groups gets its own span_near.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from search import analysis
from search.ast import (
    ADDRESS_FIELDS,
    TEXT_FIELDS,
    And,
    Custodian,
    DateRange,
    HasAttachment,
    Inclusive,
    Kind,
    Near,
    NearDuplicates,
    Node,
    Not,
    Or,
    Phrase,
    Thread,
    Words,
    ranking_leaves,
)
from search.results import instant_bounds

Query = dict[str, Any]
MATCH_ALL: Query = {"match_all": {}}


def compile_query(node: Node, zone: str, index: str = "") -> Query:
    """The ES query for `node`; date ranges are whole days in the time zone `zone`.
    `index` (the alias searched) is where neardup: looks a document's group up."""
    if isinstance(node, Words):
        return _any_field(_unranked(_words(node.tokens, f), f) for f in _fields(node.fields))
    if isinstance(node, Near):
        return _any_field(_unranked(_near(node, f), f) for f in _fields(node.fields))
    if isinstance(node, Custodian):
        return _unscored(_keyword("custodians", node.name))
    if isinstance(node, Kind):
        return _unscored({"term": {"kind": node.kind}})
    if isinstance(node, HasAttachment):
        return _unscored({"term": {"has_attachment": True}})
    if isinstance(node, Thread):
        return _unscored({"term": {"thread_id": node.thread_id}})
    if isinstance(node, Inclusive):
        return _unscored({"term": {"inclusive": node.value}})
    if isinstance(node, NearDuplicates):
        return _unscored(_near_duplicates(node, index))
    if isinstance(node, DateRange):
        return _unscored(_date_range(node, zone))
    if isinstance(node, And):
        return _and(node, zone, index)
    if isinstance(node, Or):
        return {"bool": {"should": [compile_query(item, zone, index) for item in node.items],
                         "minimum_should_match": 1}}
    if isinstance(node, Not):
        return {"bool": {"filter": [MATCH_ALL],
                         "must_not": [compile_query(node.item, zone, index)]}}
    raise TypeError(f"not a query node: {node!r}")


def _fields(fields: tuple[str, ...] | None) -> tuple[str, ...]:
    return TEXT_FIELDS if fields is None else fields


def _unscored(query: Query) -> Query:
    """Selects with a score of 0: only ranking text leaves rank (search.ast.ranking_leaves)."""
    return {"constant_score": {"filter": query, "boost": 0}}


def _unranked(query: Query, field: str) -> Query:
    return _unscored(query) if field in ADDRESS_FIELDS else query


def _any_field(queries: Iterable[Query]) -> Query:
    """One query when there is one, else any of them."""
    clauses = list(queries)
    if len(clauses) == 1:
        return clauses[0]
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def _wildcard_pattern(value: str) -> str:
    """ES wildcards treat a backslash as an escape; ours are only * and ?."""
    return value.replace("\\", "\\\\")


def _keyword(field: str, value: str) -> Query:
    if analysis.is_pattern(value):
        return {"wildcard": {field: {"value": _wildcard_pattern(value)}}}
    return {"term": {field: value}}


def _words(tokens: Phrase, field: str) -> Query:
    """One token anywhere in the field, or the tokens at consecutive positions."""
    if len(tokens) == 1:
        return _keyword(field, tokens[0])
    if not any(analysis.is_pattern(t) for t in tokens):
        # The field's analyzer only splits on spaces: this is the exact phrase.
        return {"match_phrase": {field: {"query": " ".join(tokens)}}}
    return _span_phrase(tokens, field)


def _span_token(token: str, field: str) -> Query:
    if analysis.is_pattern(token):
        return {"span_multi": {"match": {"wildcard": {field: {"value": _wildcard_pattern(token)}}}}}
    return {"span_term": {field: token}}


def _span_phrase(tokens: Phrase, field: str) -> Query:
    clauses = [_span_token(t, field) for t in tokens]
    if len(clauses) == 1:
        return clauses[0]
    return {"span_near": {"clauses": clauses, "slop": 0, "in_order": True}}


def _span_any(phrases: Sequence[Phrase], field: str) -> Query:
    clauses = [_span_phrase(p, field) for p in phrases]
    return clauses[0] if len(clauses) == 1 else {"span_or": {"clauses": clauses}}


def _by_length(phrases: tuple[Phrase, ...]) -> list[list[Phrase]]:
    """Alternatives grouped by token count, so each group spans a fixed width."""
    unique = sorted(set(phrases), key=len)
    return [list(group) for _, group in groupby(unique, key=len)]


def _near(node: Near, field: str) -> Query:
    """Left and right in `field` with at most distance-1 tokens between them."""
    slop = node.distance - 1
    clauses: list[Query] = []
    for left in _by_length(node.left):
        for right in _by_length(node.right):
            pairs = [(left, right)] if node.ordered else [(left, right), (right, left)]
            for first, second in pairs:
                clauses.append({"span_near": {
                    "clauses": [_span_any(first, field), _span_any(second, field)],
                    "slop": slop, "in_order": True}})
    return _any_field(clauses)


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def _date_range(days: DateRange, zone: str) -> Query:
    """[first local midnight, midnight after the last day); undated documents never match."""
    start, end = instant_bounds(days, zone)
    bounds: dict[str, str] = {}
    if start is not None:
        bounds["gte"] = _iso(start)
    if end is not None:
        bounds["lt"] = _iso(end)
    if not bounds:
        return {"exists": {"field": "date"}}
    return {"range": {"date": {**bounds, "format": "strict_date_optional_time"}}}


def _scores(node: Node) -> bool:
    """Whether `node` holds a text leaf that ranks the hits (search.ast.ranking_leaves)."""
    return bool(ranking_leaves(node))


def _near_duplicates(node: NearDuplicates, index: str) -> Query:
    """The group by its id, or the group of the document with that id (a terms look-up of
    that document's own copy: a document not indexed, or in no group, adds nothing)."""
    by_group: Query = {"term": {"near_duplicate_group": node.id}}
    if not index:
        return by_group
    by_document = {"terms": {"near_duplicate_group": {
        "index": index, "id": node.id, "path": "near_duplicate_group"}}}
    return {"bool": {"should": [by_group, by_document], "minimum_should_match": 1}}


def _and(node: And, zone: str, index: str) -> Query:
    must: list[Query] = []
    filters: list[Query] = []
    must_not: list[Query] = []
    for item in node.items:
        if isinstance(item, Not):
            must_not.append(compile_query(item.item, zone, index))
        elif _scores(item):
            must.append(compile_query(item, zone, index))
        else:
            filters.append(compile_query(item, zone, index))
    if not must and not filters:
        filters.append(MATCH_ALL)
    clauses = {"must": must, "filter": filters, "must_not": must_not}
    return {"bool": {name: value for name, value in clauses.items() if value}}
