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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

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
    text_leaves,
)
from search.results import QueryTooBroad, instant_bounds

MAX_EXPANSION = 1024
MAX_COMBINATIONS = 1000
MAX_WORD_EXPANSION = 10_000
NEAR_FUNCTION = "custodia_near"
# Relevance: FTS5's bm25 with the address columns weighed 0 (search.ast.ADDRESS_FIELDS).
BM25 = "bm25(doc_text, " + ", ".join("0" if f in ADDRESS_FIELDS else "1" for f in TEXT_FIELDS) + ")"

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
    scoring: str | None  # FTS5 MATCH over search.ast.ranking_leaves (bm25), None if none
    match: str | None = None  # the whole query as one MATCH, when it is text alone
    # AND of text and other conditions: (MATCH of the text items, SQL of the rest on
    # `documents d`, its parameters). The same set as `where`, found faster.
    driven: tuple[str, str, list[object]] | None = None
    # Metadata the document arrays answer (embedded_facets.FacetSnapshot.where): the
    # MATCH of the query's text items (None: every document) and the rest of the query.
    # The same set as `where`, found fastest.
    screen: tuple[str | None, Node] | None = None


def compile_query(node: Node, zone: str, expand: Expander) -> Compiled:
    """The SQL of `node`; raises QueryTooBroad (see the limits above)."""
    compiler = _Compiler(zone, expand)
    where = compiler.sql(node)
    scoring = [m for leaf in ranking_leaves(node) if (m := compiler.match(leaf)) is not None]
    match = None
    if compiler.text_only(node) and compiler.params:  # then its one parameter is the MATCH
        match = str(compiler.params[0])
    scoring_match = " OR ".join(f"({m})" for m in dict.fromkeys(scoring)) or None
    if match is not None:
        return Compiled(where, compiler.params, scoring_match, match)
    if not text_leaves(node):
        screen = (None, node) if _screened(node) else None
        return Compiled(where, compiler.params, scoring_match, screen=screen)
    split = _text_and_rest(node, _Compiler(zone, expand))
    if split is None:
        return Compiled(where, compiler.params, scoring_match)
    text, rest = split
    checks = _Compiler(zone, expand, per_row=True)
    return Compiled(where, compiler.params, scoring_match,
                    driven=(text, checks.sql(rest), checks.params),
                    screen=None if text_leaves(rest) or not _screened(rest) else (text, rest))


def _screened(node: Node) -> bool:
    """Whether the facet snapshot's arrays can decide `node` (search.embedded_facets):
    thread, inclusive and neardup conditions are left to SQL, which reads their columns."""
    if isinstance(node, Thread | Inclusive | NearDuplicates):
        return False
    if isinstance(node, And | Or):
        return all(_screened(item) for item in node.items)
    if isinstance(node, Not):
        return _screened(node.item)
    return True


def _text_and_rest(node: Node, probe: _Compiler) -> tuple[str, Node] | None:
    """`text AND custodian:x AND date:...` as the MATCH of its text items and the rest.

    The rest is then checked on the text matches only (see Compiled.driven and
    .screen): SQLite would otherwise build both lists (every document of the
    custodian, every text match) and intersect them.
    """
    if not isinstance(node, And):
        return None
    text = [item for item in node.items if not isinstance(item, Not) and probe.text_only(item)]
    rest = [item for item in node.items if item not in text]
    if not text or not rest:
        return None
    match = probe._pure_match(And(tuple(text)) if len(text) > 1 else text[0])
    if match is None:
        return None  # a word that matches nothing: `where` says so already
    return match, And(tuple(rest)) if len(rest) > 1 else rest[0]


def _quoted(word: str) -> str:
    return f'"{word}"'


class _Compiler:
    def __init__(self, zone: str, expand: Expander, per_row: bool = False) -> None:
        self.zone = zone
        self.expand = expand
        self.per_row = per_row  # conditions checked row by row (see Compiled.driven), not as lists
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
        if isinstance(node, Thread):
            self.params.append(node.thread_id)
            return "d.thread_id = ?"
        if isinstance(node, Inclusive):  # IS: a document that is no e-mail has NULL, never 0
            return f"d.inclusive IS {int(node.value)}"
        if isinstance(node, NearDuplicates):
            # The group by its id, or the group of the document with that id.
            self.params += [node.id, node.id]
            return ("d.near_duplicate_group IN (SELECT ? UNION SELECT near_duplicate_group "
                    "FROM documents WHERE id = ? AND near_duplicate_group != '')")
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


_Occurrences = list[tuple[int, int]]  # (first, last) word positions
SHORT_DISTANCE = 32  # up to here one regex checks a Near rule (see _near_rule)


@lru_cache(maxsize=256)
def _near_rule(spec: str) -> Callable[[str], bool]:
    """The Near rule as a test of one stream padded with a space at each end.

    A stream is words joined by single spaces, so a word is `[^ ]+` after a space.
    Short distances: one regex, left's words, at most distance-1 words, right's (or
    the other way round), in C; matching consumes left before right, so the two
    never overlap. It tries up to `distance` words after each occurrence of the
    left side, so long distances instead list both sides' occurrences (word
    positions) and look for a close pair by bisection.
    """
    left, right, distance, ordered = json.loads(spec)
    if distance <= SHORT_DISTANCE:
        first, then = _alternatives(left), _alternatives(right)
        gap = f"(?: [^ ]+){{0,{int(distance) - 1}}} "
        rule = f" (?:{first}){gap}(?:{then}) "
        if not ordered:
            rule += f"| (?:{then}){gap}(?:{first}) "
        pattern = re.compile(rule)
        return lambda padded: pattern.search(padded) is not None
    left_side, right_side = _side(left), _side(right)

    def holds(padded: str) -> bool:
        before = _occurrences(padded, left_side)
        after = _occurrences(padded, right_side) if before else []
        return _followed(before, after, distance) or (not ordered and _followed(after, before, distance))
    return holds


def _alternatives(phrases: list[list[str]]) -> str:
    return "|".join(" ".join(_word(token) for token in phrase) for phrase in phrases)


def _side(phrases: list[list[str]]) -> re.Pattern[str]:
    """Where a phrase of `phrases` starts in a padded stream.

    The regex consumes a phrase's first word only and looks ahead for the rest (one
    group per phrase), so overlapping occurrences are found too ("a a" twice in
    "a a a").
    """
    options = "|".join(_word(first) + "(?=(" + "".join(" " + _word(t) for t in rest) + ") )"
                       for first, *rest in phrases)
    return re.compile(f" (?:{options})")


def _word(token: str) -> str:
    """A word of the query as a regex that stays inside one stream word."""
    return analysis.pattern_source(token, "[^ ]")


def _occurrences(padded: str, side: re.Pattern[str]) -> _Occurrences:
    found: _Occurrences = []
    counted = words = 0
    for match in side.finditer(padded):
        words += padded.count(" ", counted, match.start())  # the words before this one
        counted = match.start()
        rest = match.group(match.lastindex or 0)  # the phrase's other words
        found.append((words, words + rest.count(" ")))
    return found


def _followed(first: _Occurrences, then: _Occurrences, distance: int) -> bool:
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
    holds = _near_rule(spec)
    return any(text and holds(f" {text} ") for text in columns)
