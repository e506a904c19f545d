"""The syntax tree both engines compile: plain frozen dataclasses.

Text leaves hold normalized tokens (see search.analysis); a token may contain the
wildcards `*` (any run of characters) and `?` (one character), never first.
`fields=None` means every text field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

# The text fields of an indexed document, as both engines name them.
TEXT_FIELDS = ("subject", "body", "sender", "to", "cc", "bcc", "filename")
# Addresses identify people, like custodian:, so they select records but never rank
# them: relevance is computed from the other text fields only, on both engines.
ADDRESS_FIELDS = ("sender", "to", "cc", "bcc")

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Words:
    """A word (one token) or a phrase (tokens in a row)."""

    tokens: Phrase
    fields: tuple[str, ...] | None = None
    position: int = field(default=0, compare=False)

    def with_fields(self, fields: tuple[str, ...]) -> Words:
        return replace(self, fields=fields)


@dataclass(frozen=True)
class Near:
    """Any of `left` within `distance` words of any of `right` (in that order if `ordered`).

    Within N words: at most N-1 words lie between the end of one and the start
    of the other; w/1 means next to each other. The two are separate occurrences
    that do not overlap (`budget w/3 budget` needs the word twice), in the same
    field.
    """

    left: tuple[Phrase, ...]
    right: tuple[Phrase, ...]
    distance: int
    ordered: bool
    fields: tuple[str, ...] | None = None
    position: int = field(default=0, compare=False)

    def with_fields(self, fields: tuple[str, ...]) -> Near:
        return replace(self, fields=fields)


@dataclass(frozen=True)
class Custodian:
    name: str  # exact, or with wildcards


@dataclass(frozen=True)
class Kind:
    kind: str  # email, voicemail, attachment


@dataclass(frozen=True)
class HasAttachment:
    pass


@dataclass(frozen=True)
class NearDuplicates:
    """The documents of one near-duplicate group, named by the group's id or by the id of a
    document in it (the group that document's index copy is in)."""

    id: str  # a UUID, lower case with hyphens


@dataclass(frozen=True)
class Thread:
    """The e-mails of one thread (app.threads), by its id."""

    thread_id: str


@dataclass(frozen=True)
class Inclusive:
    """E-mails that are (or are not) inclusive: no later message holds all they say."""

    value: bool


@dataclass(frozen=True)
class DateRange:
    """Whole days in the city's time zone, both ends included; None is open."""

    start: date | None
    end: date | None


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = (Words | Near | Custodian | Kind | HasAttachment | Thread | Inclusive | NearDuplicates
        | DateRange | And | Or | Not)


def text_leaves(node: Node, negated: bool = False) -> list[tuple[Words | Near, bool]]:
    """Every text leaf with whether it sits under an odd number of NOTs."""
    if isinstance(node, Words | Near):
        return [(node, negated)]
    if isinstance(node, And | Or):
        return [leaf for item in node.items for leaf in text_leaves(item, negated)]
    if isinstance(node, Not):
        return text_leaves(node.item, not negated)
    return []


def ranking_leaves(node: Node) -> list[Words | Near]:
    """The text leaves relevance is computed from: not negated, not only in addresses."""
    return [leaf for leaf, negated in text_leaves(node) if not negated
            if leaf.fields is None or not set(leaf.fields) <= set(ADDRESS_FIELDS)]
