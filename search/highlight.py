"""Snippets with the query's words marked, cut from the original text.

Done here, not by an engine, so that both engines show the same snippets and the
marks follow the same definition of a word (search.analysis) as the matching.
Marking is per word: every word of a positive term, phrase or proximity
operand is marked wherever it occurs (negated terms never are).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from search import analysis
from search.ast import Node, Words, text_leaves

SCAN_LIMIT = 200_000  # characters of a long text looked at for marks
WIDTH = 160


@dataclass(frozen=True)
class Marker:
    """Which normalized words of a text to mark for a query, searched in one field."""

    exact: frozenset[str]
    patterns: re.Pattern[str] | None
    starts: re.Pattern[str] | None  # lower-cased ASCII text: where a word to mark may begin

    def matches(self, token: str) -> bool:
        return token in self.exact or bool(self.patterns and self.patterns.fullmatch(token))

    def marked(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of each word of `text` (as `prepared_text` returns it) to mark."""
        if self.starts is None:
            return
        if not text.isascii():  # folding may change letters: read every word
            for start, end, tokens in analysis.spans(text):
                if any(self.matches(t) for t in tokens):
                    yield start, end
            return
        # An ASCII word's token is the word lower-cased: only words that begin like
        # a query word can match, and one scan of the lower-cased text finds those.
        lowered = text.lower()
        for candidate in self.starts.finditer(lowered):
            start = candidate.start()
            if start and lowered[start - 1].isalnum():
                continue  # inside a word, not at its start
            word = analysis.WORD.match(lowered, start)
            if word is not None and self.matches(word.group()[:analysis.MAX_TOKEN]):
                yield start, word.end()


def matcher(query: Node, field: str) -> Marker:
    """The positive words of `query` that apply to `field` (negated ones are never marked)."""
    exact: set[str] = set()
    patterns: list[str] = []
    for leaf, negated in text_leaves(query):
        if negated or (leaf.fields is not None and field not in leaf.fields):
            continue
        phrases = [leaf.tokens] if isinstance(leaf, Words) else [*leaf.left, *leaf.right]
        for phrase in phrases:
            for token in phrase:
                if analysis.is_pattern(token):
                    patterns.append(token)
                else:
                    exact.add(token)
    compiled = (re.compile("|".join(f"(?:{analysis.pattern_regex(p).pattern})" for p in patterns))
                if patterns else None)
    beginnings = sorted(exact | {analysis.literal_start(p) for p in patterns})
    starts = re.compile("|".join(map(re.escape, beginnings))) if beginnings else None
    return Marker(frozenset(exact), compiled, starts)


def snippets(text: str, marker: Marker, count: int = 3) -> list[str]:
    """Up to `count` fragments around marked words, HTML-escaped, marks as <mark>.

    Stops reading at the end of the last fragment, so a long text costs little when
    its first matches are early.
    """
    text = analysis.prepared_text(text[:SCAN_LIMIT])
    fragments: list[str] = []
    window: tuple[int, int, list[tuple[int, int]]] | None = None
    for start, end in marker.marked(text):
        if window is not None and end <= window[1]:
            window[2].append((start, end))
            continue
        if window is not None:
            fragments.append(_render(text, *window))
            if len(fragments) == count:
                return fragments
        first = max(0, start - WIDTH // 3)
        window = (first, min(len(text), max(first + WIDTH, end)), [(start, end)])
    if window is not None:
        fragments.append(_render(text, *window))
    return fragments


def opening(text: str) -> str:
    """The start of a text, for a hit whose match is not in it (subject, metadata)."""
    cut = text[:WIDTH]
    return html.escape(" ".join(cut.split())) + ("…" if len(text) > WIDTH else "")


def _render(text: str, start: int, stop: int, marks: list[tuple[int, int]]) -> str:
    # Widen to whole words so a fragment never starts or ends mid-word.
    for _ in range(30):
        if start == 0 or text[start - 1].isspace():
            break
        start -= 1
    for _ in range(30):
        if stop == len(text) or text[stop].isspace():
            break
        stop += 1
    parts = ["…" if start > 0 else ""]
    cursor = start
    for mark_start, mark_end in marks:
        parts += [html.escape(text[cursor:mark_start]), "<mark>",
                  html.escape(text[mark_start:mark_end]), "</mark>"]
        cursor = mark_end
    parts += [html.escape(text[cursor:stop]), "…" if stop < len(text) else ""]
    return " ".join("".join(parts).split())
