"""The query tree (search.ast) as SQL over the embedded engine's tables.

The SQL is a condition on `documents d` (see search.embedded.SCHEMA); text leaves
become `d.doc IN (SELECT rowid FROM doc_text WHERE doc_text MATCH ?)`. User text
only ever travels as bound parameters, and in an FTS5 MATCH string every word is
a "quoted" string (our words hold only letters and digits, never a quote).

What each leaf means (the Elasticsearch engine implements the same sets):

* Words: one word is that word in any of its fields; several are a phrase, the
  words at consecutive positions of ONE field. `*` in a word is any run of
  characters (possibly none), `?` exactly one. A word whose only wildcards are
  trailing `*`s is an FTS5 prefix query; any other pattern is replaced by the
  index words it matches (the `terms` table), and one matching none matches nothing.
* Near: some phrase of `left` and some of `right` in the same field, not
  overlapping, with at most distance-1 words between them (w/1 = adjacent); for
  pre/N the left one ends before the right one starts. FTS5's NEAR(a b, N-1) is
  unordered and lets both phrases use the same words ("a w/3 a" would match one
  "a"), so it only selects candidates when the order matters or the two sides
  could share a word; `near_holds` then checks the rule on the stored words.
* Custodian: one of the document's custodians equals the name or, when it holds
  `*` or `?`, matches it as a case-sensitive wildcard pattern.
* DateRange: whole local days in the city's zone, [start, end) in UTC; undated
  documents never match.

Limits (QueryTooBroad): a wildcard inside a phrase or proximity may stand for at
most MAX_EXPANSION words and one leaf for at most MAX_COMBINATIONS phrases or
NEAR groups; a lone wildcard word for at most MAX_WORD_EXPANSION words.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from bisect import bisect_right
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from search import analysis
from search.ast import (
    TEXT_FIELDS,
    And,
    Custodian,
    DateRange,
    HasAttachment,
    Kind,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Words,
    text_leaves,
)
from search.results import QueryTooBroad, instant_bounds

MAX_EXPANSION = 1024
MAX_COMBINATIONS = 1000
MAX_WORD_EXPANSION = 10_000
NEAR_FUNCTION = "custodia_near"

Expander = Callable[[str, tuple[str, ...], int], list[str]]
"""(pattern, columns, limit) -> the index words matching pattern in those columns, at most limit + 1."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since 1970 (floored), the resolution Elasticsearch keeps; naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


@dataclass(frozen=True)
class Compiled:
    where: str  # a condition on `documents d`
    params: list[object]
    scoring: str | None  # FTS5 MATCH over the positive text leaves (bm25), None if none
    match: str | None = None  # the whole query as one MATCH, when it is text alone
    # AND of text and other conditions: (MATCH of the text items, SQL of the rest on
    # `documents d`, its parameters). The same set as `where`, found faster.
    driven: tuple[str, str, list[object]] | None = None


def compile_query(node: Node, zone: str, expand: Expander) -> Compiled:
    """The SQL of `node`; raises QueryTooBroad (see the limits above)."""
    compiler = _Compiler(zone, expand)
    where = compiler.sql(node)
    scoring = [m for leaf, negated in text_leaves(node) if not negated
               if (m := compiler.match(leaf)) is not None]
    match = None
    if compiler.text_only(node) and compiler.params:  # then its one parameter is the MATCH
        match = str(compiler.params[0])
    return Compiled(where, compiler.params,
                    " OR ".join(f"({m})" for m in dict.fromkeys(scoring)) or None, match,
                    None if match else _driven(node, zone, expand))


def _driven(node: Node, zone: str, expand: Expander) -> tuple[str, str, list[object]] | None:
    """`text AND custodian:x AND date:...` read from the text matches, each checked in turn.

    SQLite would otherwise build both lists (every document of the custodian, every
    text match) and intersect them; the text matches are usually the shorter.
    """
    if not isinstance(node, And):
        return None
    probe = _Compiler(zone, expand)
    text = [item for item in node.items if not isinstance(item, Not) and probe.text_only(item)]
    rest = [item for item in node.items if item not in text]
    if not text or not rest:
        return None
    match = probe._pure_match(And(tuple(text)) if len(text) > 1 else text[0])
    if match is None:
        return None  # a word that matches nothing: `where` says so already
    checks = _Compiler(zone, expand, per_row=True)
    where = checks.sql(And(tuple(rest)) if len(rest) > 1 else rest[0])
    return match, where, checks.params


def _quoted(word: str) -> str:
    return f'"{word}"'


class _Compiler:
    def __init__(self, zone: str, expand: Expander, per_row: bool = False) -> None:
        self.zone = zone
        self.expand = expand
        self.per_row = per_row  # conditions checked row by row (see _driven), not as lists
        self.params: list[object] = []
        self._matches: dict[Words | Near, str | None] = {}

    # -- FTS5 MATCH strings; None means the leaf matches nothing -----------------
    def match(self, leaf: Words | Near) -> str | None:
        if leaf not in self._matches:
            text = self._words(leaf) if isinstance(leaf, Words) else self._near(leaf)
            self._matches[leaf] = _in_fields(text, leaf.fields) if text else None
        return self._matches[leaf]

    def _words(self, leaf: Words) -> str | None:
        if len(leaf.tokens) == 1:
            options = self._token(leaf.tokens[0], leaf.fields, MAX_WORD_EXPANSION)
            return " OR ".join(options) or None
        return " OR ".join(f"({p})" for p in self._phrases(leaf.tokens, leaf.fields)) or None

    def _near(self, leaf: Near) -> str | None:
        left = list(dict.fromkeys(p for ph in leaf.left for p in self._phrases(ph, leaf.fields)))
        right = list(dict.fromkeys(p for ph in leaf.right for p in self._phrases(ph, leaf.fields)))
        if len(left) * len(right) > MAX_COMBINATIONS:
            raise QueryTooBroad(f"This proximity search stands for more than {MAX_COMBINATIONS} "
                                "combinations of words; use fewer wildcards or alternatives")
        gap = leaf.distance - 1
        return " OR ".join(f"NEAR({a} {b}, {gap})" for a in left for b in right) or None

    def _phrases(self, phrase: Phrase, fields: tuple[str, ...] | None) -> list[str]:
        """The concrete FTS5 phrases `phrase` stands for, one per choice of its wildcards' words."""
        options = [self._token(token, fields, MAX_EXPANSION) for token in phrase]
        if math.prod(len(o) for o in options) > MAX_COMBINATIONS:
            raise QueryTooBroad(f"\"{' '.join(phrase)}\" stands for more than {MAX_COMBINATIONS} "
                                "phrases; use fewer wildcards or make them longer")
        return [" + ".join(choice) for choice in itertools.product(*options)]

    def _token(self, token: str, fields: tuple[str, ...] | None, limit: int) -> list[str]:
        if not analysis.is_pattern(token):
            return [_quoted(token)]
        stem = token.rstrip("*")
        if not analysis.is_pattern(stem):
            return [f"{_quoted(stem)} *"]
        words = self.expand(token, fields or TEXT_FIELDS, limit)
        if len(words) > limit:
            raise QueryTooBroad(f"'{token}' matches more than {limit} different words; "
                                "make it longer or more specific")
        return [_quoted(w) for w in words]

    # -- SQL ---------------------------------------------------------------------
    def text_only(self, node: Node) -> bool:
        """Whether `node` becomes one MATCH (its only parameter), no SQL around it."""
        return isinstance(node, Words | Near | And | Or) and self._pure(node)

    def sql(self, node: Node) -> str:
        if self.text_only(node):
            match = self._pure_match(node)
            if match is None:
                return "0"
            self.params.append(match)
            return "d.doc IN (SELECT rowid FROM doc_text WHERE doc_text MATCH ?)"
        if isinstance(node, Near):
            return self._verified_near(node)
        if isinstance(node, And | Or):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self.sql(item) for item in node.items) + ")"
        if isinstance(node, Not):
            return f"NOT ({self.sql(node.item)})"
        if isinstance(node, Custodian):
            return self._custodian(node.name)
        if isinstance(node, Kind):
            self.params.append(node.kind)
            return "d.kind = ?"
        if isinstance(node, HasAttachment):
            return "d.has_attachment = 1"
        if isinstance(node, DateRange):
            return self._dates(node)
        raise TypeError(f"not a query node: {node!r}")

    def _verified_near(self, leaf: Near) -> str:
        match = self.match(leaf)
        if match is None:
            return "0"
        columns = ", ".join(_quoted(f) for f in leaf.fields or TEXT_FIELDS)
        self.params += [match, json.dumps([leaf.left, leaf.right, leaf.distance, leaf.ordered])]
        return (f"d.doc IN (SELECT rowid FROM doc_text WHERE doc_text MATCH ? "
                f"AND {NEAR_FUNCTION}(?, {columns}))")

    def _custodian(self, name: str) -> str:
        pattern = analysis.is_pattern(name)
        self.params.append(name.replace("[", "[[]") if pattern else name)  # GLOB's [ is literal
        test = "custodian GLOB ?" if pattern else "custodian = ?"
        if self.per_row:
            return f"EXISTS (SELECT 1 FROM custodians c WHERE c.doc = d.doc AND c.{test})"
        return f"d.doc IN (SELECT doc FROM custodians WHERE {test})"

    def _dates(self, days: DateRange) -> str:
        start, end = instant_bounds(days, self.zone)
        # Explicit, not left to "NULL >= x": NOT must turn an undated document's FALSE
        # into TRUE, and NOT NULL would stay NULL.
        parts = ["d.date IS NOT NULL"]
        if start is not None:
            parts.append("d.date >= ?")
            self.params.append(epoch_ms(start))
        if end is not None:
            parts.append("d.date < ?")
            self.params.append(epoch_ms(end))
        return "(" + " AND ".join(parts) + ")"

    # -- text-only subtrees become one MATCH, which FTS5 evaluates best ------------
    def _pure(self, node: Node) -> bool:
        if isinstance(node, Words):
            return True
        if isinstance(node, Near):
            return not _needs_check(node)
        if isinstance(node, Or):
            return all(self._pure(item) for item in node.items)
        if isinstance(node, And):
            positive = [item for item in node.items if not isinstance(item, Not)]
            return bool(positive) and all(
                self._pure(item.item if isinstance(item, Not) else item) for item in node.items)
        return False

    def _pure_match(self, node: Node) -> str | None:
        if isinstance(node, Words | Near):
            return self.match(node)
        if isinstance(node, Or):
            found = [m for item in node.items if (m := self._pure_match(item)) is not None]
            return " OR ".join(f"({m})" for m in found) or None
        assert isinstance(node, And)
        positive = [self._pure_match(i) for i in node.items if not isinstance(i, Not)]
        if any(m is None for m in positive):
            return None
        negative = [m for i in node.items if isinstance(i, Not)
                    if (m := self._pure_match(i.item)) is not None]
        both = " AND ".join(f"({m})" for m in positive)
        return f"({both}) NOT ({' OR '.join(f'({m})' for m in negative)})" if negative else both


def _in_fields(text: str, fields: tuple[str, ...] | None) -> str:
    if fields is None or set(fields) >= set(TEXT_FIELDS):
        return text
    return "{" + " ".join(fields) + "} : (" + text + ")"


def _needs_check(leaf: Near) -> bool:
    """Whether FTS5's NEAR alone could accept a match the rule refuses (see module doc)."""
    if leaf.ordered:
        return True
    left = {t for phrase in leaf.left for t in phrase}
    right = {t for phrase in leaf.right for t in phrase}
    return any(_may_share(a, b) for a in left for b in right)


def _may_share(a: str, b: str) -> bool:
    """Whether some word could match both tokens (conservative for two patterns)."""
    if not analysis.is_pattern(a) and not analysis.is_pattern(b):
        return a == b
    if not analysis.is_pattern(a):
        return analysis.pattern_regex(b).fullmatch(a) is not None
    if not analysis.is_pattern(b):
        return analysis.pattern_regex(a).fullmatch(b) is not None
    start_a, start_b = analysis.literal_start(a), analysis.literal_start(b)
    return start_a.startswith(start_b) or start_b.startswith(start_a)


_Token = str | re.Pattern[str]  # a word as itself, a wildcard word as a regex


def _token(token: str) -> _Token:
    return analysis.pattern_regex(token) if analysis.is_pattern(token) else token


_Side = list[tuple[str | None, list[_Token]]]  # per phrase: its literal (no wildcards), its words


def _side(phrases: list[list[str]]) -> _Side:
    return [(None if any(analysis.is_pattern(t) for t in phrase) else " ".join(phrase),
             [_token(t) for t in phrase]) for phrase in phrases]


@lru_cache(maxsize=256)
def _near_rule(spec: str) -> tuple[_Side, _Side, int, bool]:
    """Each side's phrases, the distance, and whether order matters."""
    left, right, distance, ordered = json.loads(spec)
    return _side(left), _side(right), int(distance), bool(ordered)


def _literal_occurrences(text: str, phrase: str, width: int) -> list[tuple[int, int]]:
    """(first, last) word positions of `phrase` (words without wildcards) in a stream.

    str.find and str.count run in C: splitting long bodies into words was most of the
    cost of a pre/N search.
    """
    found: list[tuple[int, int]] = []
    counted = position = 0
    start = text.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        if (start == 0 or text[start - 1] == " ") and (end == len(text) or text[end] == " "):
            position += text.count(" ", counted, start)
            counted = start
            found.append((position, position + width - 1))
        start = text.find(phrase, start + 1)
    return found


def _positions(words: list[str], token: _Token) -> list[int]:
    if isinstance(token, str):  # list.index runs in C: most of the cost on long bodies
        found, index = [], -1
        with suppress(ValueError):
            while True:
                index = words.index(token, index + 1)
                found.append(index)
        return found
    return [i for i, word in enumerate(words) if token.fullmatch(word)]


def _holds(token: _Token, word: str) -> bool:
    return token == word if isinstance(token, str) else token.fullmatch(word) is not None


def _occurrences(words: list[str], phrases: list[list[_Token]]) -> list[tuple[int, int]]:
    """(first, last) word positions of every occurrence of any of `phrases`."""
    found: list[tuple[int, int]] = []
    for first, *rest in phrases:
        for start in _positions(words, first):
            end = start + len(rest)
            if end < len(words) and all(_holds(t, words[start + 1 + k]) for k, t in enumerate(rest)):
                found.append((start, end))
    return found


def _followed(first: list[tuple[int, int]], then: list[tuple[int, int]], distance: int) -> bool:
    """Some `then` starts after some `first` ends, with at most distance-1 words between."""
    starts = sorted(start for start, _ in then)
    for _, end in first:
        following = bisect_right(starts, end)
        if following < len(starts) and starts[following] <= end + distance:
            return True
    return False


def near_holds(spec: str, *columns: str | None) -> bool:
    """The Near rule on a candidate's stored streams (the leaf's fields), one field at a time.

    Registered as an SQL function; `spec` is the JSON [left, right, distance, ordered].
    """
    left_side, right_side, distance, ordered = _near_rule(spec)
    for text in columns:
        if not text:
            continue
        words: list[str] | None = None

        def occurrences(side: _Side, text: str = text) -> list[tuple[int, int]]:
            nonlocal words
            found: list[tuple[int, int]] = []
            for literal, tokens in side:
                if literal is not None:
                    found += _literal_occurrences(text, literal, len(tokens))
                else:
                    words = words if words is not None else text.split(" ")
                    found += _occurrences(words, [tokens])
            return found

        left = occurrences(left_side)
        if not left:
            continue
        right = occurrences(right_side)
        if _followed(left, right, distance) or (not ordered and _followed(right, left, distance)):
            return True
    return False
