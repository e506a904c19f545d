"""Medical and mental-health terms from the city's list (medical_terms.txt), found as whole
words in any case. The list compiles into one regular expression shaped as a trie, so the
scan costs about the same however long the list grows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib.resources import files

from .hits import Hit

CONFIDENCE = 0.6  # a term says the text is about health, not that it is about a person


def read_terms(text: str) -> list[str]:
    """The terms of a list file: one a line, # comments and blank lines skipped, spaces collapsed."""
    terms = {" ".join(line.split()).lower() for line in text.splitlines()}
    return sorted(term for term in terms if term and not term.startswith("#"))


def _trie_pattern(terms: Iterable[str]) -> str:
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:  # type: ignore[type-arg]
        branches = [(r"\s+" if char == " " else re.escape(char)) + render(child)
                    for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        optional = "" in node
        body = branches[0] if len(branches) == 1 and not optional else "(?:" + "|".join(branches) + ")"
        if optional:
            body += "?"
        return body

    return render(trie)


@cache
def pattern() -> re.Pattern[str]:
    source = files(__package__).joinpath("medical_terms.txt").read_text(encoding="utf-8")
    return compile_terms(read_terms(source))


def compile_terms(terms: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + _trie_pattern(terms) + r"(?!\w)", re.IGNORECASE)


def medical_terms(text: str) -> Iterator[Hit]:
    for match in pattern().finditer(text):
        yield Hit(match.start(), match.end(), "medical", CONFIDENCE)
