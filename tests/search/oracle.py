"""A brute-force reading of the query language, for tests: every document, every word.

Written from the language's definition (search/ast.py) and nothing of either
engine, so that agreeing with it means both engines implement the definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

from search.ast import (
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
)
from search.documents import IndexDoc
from search.results import instant_bounds


@dataclass
class Prepared:
    doc: IndexDoc
    fields: dict[str, list[str]]  # field -> tokens
    positions: dict[str, dict[str, list[int]]]  # field -> token -> where it occurs
    date: datetime | None


def prepare(docs: Iterable[IndexDoc]) -> list[Prepared]:
    prepared = []
    for doc in docs:
        fields = {f: s.split() for f, s in doc.streams().items()}
        positions: dict[str, dict[str, list[int]]] = {}
        for name, tokens in fields.items():
            where = positions[name] = {}
            for index, token in enumerate(tokens):
                where.setdefault(token, []).append(index)
        prepared.append(Prepared(doc, fields, positions,
                                 datetime.fromisoformat(doc.date) if doc.date else None))
    return prepared


def _token_matches(pattern: str, token: str) -> bool:
    if "*" in pattern or "?" in pattern:
        return fnmatchcase(token, pattern)  # our tokens hold no [ or ]
    return pattern == token


def _spans(phrase: Phrase, item: Prepared, field: str) -> list[tuple[int, int]]:
    """Every (start, end) where `phrase` occurs in the field, end exclusive."""
    tokens, where = item.fields[field], item.positions[field]
    first = phrase[0]
    starts = sorted(i for token, found in where.items() if _token_matches(first, token)
                    for i in found) if "*" in first or "?" in first else where.get(first, [])
    width = len(phrase)
    return [(i, i + width) for i in starts if i + width <= len(tokens)
            and all(_token_matches(p, tokens[i + k]) for k, p in enumerate(phrase))]


def _near(node: Near, item: Prepared, field: str) -> bool:
    lefts = [s for phrase in node.left for s in _spans(phrase, item, field)]
    rights = [s for phrase in node.right for s in _spans(phrase, item, field)]
    gap = node.distance - 1
    for left in lefts:
        for right in rights:
            if 0 <= right[0] - left[1] <= gap:
                return True
            if not node.ordered and 0 <= left[0] - right[1] <= gap:
                return True
    return False


def matches(node: Node, item: Prepared, zone: str) -> bool:
    if isinstance(node, Words):
        return any(_spans(node.tokens, item, f) for f in node.fields or TEXT_FIELDS)
    if isinstance(node, Near):
        return any(_near(node, item, f) for f in node.fields or TEXT_FIELDS)
    if isinstance(node, And):
        return all(matches(i, item, zone) for i in node.items)
    if isinstance(node, Or):
        return any(matches(i, item, zone) for i in node.items)
    if isinstance(node, Not):
        return not matches(node.item, item, zone)
    if isinstance(node, Custodian):
        return any(fnmatchcase(c, node.name) for c in item.doc.custodians)
    if isinstance(node, Kind):
        return item.doc.kind == node.kind
    if isinstance(node, HasAttachment):
        return item.doc.has_attachment
    if isinstance(node, Thread):
        return item.doc.thread_id == node.thread_id
    if isinstance(node, Inclusive):
        return item.doc.inclusive is node.value
    if isinstance(node, NearDuplicates):  # a document's id is resolved by `search`
        return bool(item.doc.near_duplicate_group) and item.doc.near_duplicate_group == node.id
    if isinstance(node, DateRange):
        start, end = instant_bounds(node, zone)
        return item.date is not None and (start is None or item.date >= start) and (
            end is None or item.date < end)
    raise TypeError(node)


def search(node: Node, prepared: list[Prepared], zone: str = "America/Denver") -> dict[str, str]:
    """id -> family id of every match, like SearchEngine.matching."""
    node = _groups_of_documents(node, {p.doc.id: p.doc.near_duplicate_group for p in prepared})
    return {p.doc.id: p.doc.family_id for p in prepared if matches(node, p, zone)}


def _groups_of_documents(node: Node, groups: dict[str, str]) -> Node:
    """neardup: with a document's id becomes neardup: with that document's group id."""
    if isinstance(node, NearDuplicates):
        return NearDuplicates(groups.get(node.id) or node.id)
    if isinstance(node, And | Or):
        return type(node)(tuple(_groups_of_documents(i, groups) for i in node.items))
    if isinstance(node, Not):
        return Not(_groups_of_documents(node.item, groups))
    return node
