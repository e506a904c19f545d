"""A document's text cut into pieces for the redaction page: plain runs and the runs that
spans cover, so the template draws one element of text nodes and <mark>s only.

custodia.js finds a selection's offsets by summing the code points of the text nodes before
it, so each Python character must stay one code point in the browser: the HTML parser would
turn a carriage return into a line feed (CR LF into one LF) and drop a NUL, so they are
written as character references (&#13;) or shown as U+FFFD, one character each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from markupsafe import Markup, escape


class Span(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    html: Markup  # the piece's text, escaped, one code point per Python character
    spans: list[Any] = field(default_factory=list)  # the spans over it, first by start

    @property
    def span(self) -> Any:
        """The span the piece is drawn as (the one starting first; several may overlap)."""
        return self.spans[0] if self.spans else None


def as_html(text: str) -> Markup:
    """`text` escaped so that the browser's text nodes hold as many code points."""
    return Markup(str(escape(text)).replace("\r", "&#13;").replace("\0", "\ufffd"))


def pieces(text: str, spans: list[Any]) -> list[Piece]:
    """`text` cut at every span's start and end (spans outside the text are left out)."""
    inside = sorted((s for s in spans if 0 <= s.start < s.end <= len(text)),
                    key=lambda s: (s.start, s.end))
    cuts = sorted({0, len(text), *(s.start for s in inside), *(s.end for s in inside)})
    found = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        over = [s for s in inside if s.start <= start and end <= s.end]
        found.append(Piece(start, end, as_html(text[start:end]), over))
    return found
