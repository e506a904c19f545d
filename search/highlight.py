"""Snippets with the query's words marked, cut from the original text.

Done here, not by an engine, so that both engines show the same snippets and the
marks follow the same definition of a word (search.analysis) as the matching.
Marking is per word: every word of a positive term, phrase or proximity
operand is marked wherever it occurs (negated terms never are).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from fnmatch import translate

from search import analysis
from search.ast import Node, Words, text_leaves

SCAN_LIMIT = 200_000  # characters of a long text looked at for marks
WIDTH = 160


def matcher(query: Node, field: str) -> Callable[[str], bool]:
    """Does a normalized token match a positive word of `query` searched in `field`?"""
    exact: set[str] = set()
    patterns: list[str] = []
    for leaf, negated in text_leaves(query):
        if negated or (leaf.fields is not None and field not in leaf.fields):
            continue
        phrases = [leaf.tokens] if isinstance(leaf, Words) else [*leaf.left, *leaf.right]
        for phrase in phrases:
            for token in phrase:
                if analysis.is_pattern(token):
                    patterns.append(translate(token))
                else:
                    exact.add(token)
    compiled = re.compile("|".join(patterns)) if patterns else None
    return lambda token: token in exact or bool(compiled and compiled.match(token))


def snippets(text: str, matches: Callable[[str], bool], count: int = 3) -> list[str]:
    """Up to `count` fragments around marked words, HTML-escaped, marks as <mark>."""
    text = analysis.prepared_text(text[:SCAN_LIMIT])
    marked = [(start, end) for start, end, tokens in analysis.spans(text)
              if any(matches(t) for t in tokens)]
    fragments: list[str] = []
    index = 0
    while index < len(marked) and len(fragments) < count:
        start = max(0, marked[index][0] - WIDTH // 3)
        stop = min(len(text), start + WIDTH)
        inside = []
        while index < len(marked) and marked[index][1] <= stop:
            inside.append(marked[index])
            index += 1
        if not inside:  # a word longer than the window
            inside, index = [marked[index]], index + 1
            stop = inside[0][1]
        fragments.append(_render(text, start, stop, inside))
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
