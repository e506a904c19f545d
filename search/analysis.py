"""What a word is: defined once, in Python, for both engines and for highlighting.

Both engines index the token stream this module produces (the tokens joined by
single spaces) and split it on spaces only: SQLite FTS5 with its `ascii`
tokenizer (every non-ASCII character is a token character; our ASCII token
characters are letters and digits), Elasticsearch with a `whitespace` tokenizer.
Neither engine stems, folds or splits again, so a word is the same word in both
and the same query finds the same records whichever engine a city runs.

A word is a run of letters and digits (Unicode categories L and N). It is
case-folded, accents are removed (NFKD, combining marks dropped) and it is cut
at MAX_TOKEN characters. No stemming: e-discovery searches are literal, and a
clerk asks for variants with a wildcard (`contract*`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

MAX_TOKEN = 100
WILDCARDS = "*?"

WORD = re.compile(r"[^\W_]+")
_PATTERN_WORD = re.compile(r"(?:[^\W_]|[*?])+")


def _fold(word: str) -> str:
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _split(word: str, pattern: re.Pattern[str]) -> list[str]:
    folded = _fold(word)
    if folded.isascii() and folded.isalnum():
        return [folded[:MAX_TOKEN]]
    # Folding can produce separators (a fraction slash, a ligature's parts): split again.
    return [part[:MAX_TOKEN] for part in pattern.findall(folded)]


def _prepared(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def spans(text: str) -> Iterator[tuple[int, int, list[str]]]:
    """(start, end, tokens) for each word of `text` as returned by `prepared_text`."""
    for match in WORD.finditer(text):
        tokens = _split(match.group(), WORD)
        if tokens:
            yield match.start(), match.end(), tokens


def prepared_text(text: str) -> str:
    """The text that `spans` offsets refer to (NFC, so accents stay inside words)."""
    return _prepared(text)


def tokens(text: str) -> list[str]:
    """The words of `text`, normalized, in order."""
    found: list[str] = []
    for match in WORD.finditer(_prepared(text)):
        found.extend(_split(match.group(), WORD))
    return found


def stream(text: str) -> str:
    """What the engines index: the tokens of `text` joined by single spaces."""
    return " ".join(tokens(text))


def pattern_tokens(text: str) -> list[str]:
    """The words of a query term, where `*` and `?` are part of a word (wildcards)."""
    found: list[str] = []
    for match in _PATTERN_WORD.finditer(_prepared(text)):
        found.extend(t for t in _split(match.group(), _PATTERN_WORD) if t)
    return found


def is_pattern(token: str) -> bool:
    return any(c in token for c in WILDCARDS)


def literal_start(token: str) -> str:
    """What a wildcard word holds before its first wildcard (all of a plain word)."""
    return re.split(r"[*?]", token, maxsplit=1)[0]


def pattern_regex(token: str) -> re.Pattern[str]:
    """A word with wildcards as a regex, to `fullmatch` against one normalized word."""
    return re.compile(pattern_source(token, "."))


def pattern_source(token: str, character: str) -> str:
    """The regex source of a word with wildcards, `character` being any one character."""
    return "".join({"*": f"{character}*", "?": character}.get(c) or re.escape(c) for c in token)
