"""The query language: text in, a typed syntax tree out.

    budget AND (meeting OR "city council") NOT draft
    subject:invoice from:skilling@enron.com date:2001-01-01..2001-03-31
    contract* w/5 terminat*      "gas price" pre/3 california

Precedence, tightest first: proximity (w/N, pre/N), NOT, AND (also implied
between words), OR. AND, OR, NOT, w/N and pre/N may be written in any case; to
search for the word "and" itself, quote it. Every error carries the position
(0-based character offset) and a sentence a clerk can act on.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from search import analysis
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

MAX_LENGTH = 4000
MAX_DEPTH = 40
MAX_DISTANCE = 1000

# field name -> the text fields it searches
TEXT_FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "from": ("sender",), "to": ("to",), "cc": ("cc",), "bcc": ("bcc",),
    "participant": ("sender", "to", "cc", "bcc"), "subject": ("subject",), "body": ("body",),
    "attachment": ("body",), "filename": ("filename",),
}
OTHER_FIELD_NAMES = ("custodian", "type", "has", "date", "after", "before", "thread", "inclusive",
                     "neardup")
FIELD_NAMES = tuple(TEXT_FIELD_NAMES) + OTHER_FIELD_NAMES
KINDS = ("email", "voicemail", "attachment")


class QueryError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at position {position})")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class _Token:
    kind: str  # word, phrase, field, and, or, not, near, open, close
    text: str
    position: int
    distance: int = 0
    ordered: bool = False


_NEAR = re.compile(r"(?i)(w|pre)/(\d*)")
_FIELD = re.compile(r"([A-Za-z]+):")
_SPECIAL = '()"'


def _lex(text: str) -> list[_Token]:
    found: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            found.append(_Token("open" if char == "(" else "close", char, i))
            i += 1
        elif char == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError("This quote is never closed; add the closing \"", i)
            found.append(_Token("phrase", text[i + 1:end], i))
            i = end + 1
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] not in _SPECIAL:
                end += 1
            found.extend(_word(text, i, end))
            i = end
    return found


def _word(text: str, start: int, end: int) -> list[_Token]:
    word = text[start:end]
    field = _FIELD.match(word)
    if field:
        name = field.group(1).lower()
        if name not in FIELD_NAMES:
            raise QueryError(
                f"There is no field called '{field.group(1)}'. Fields are: "
                f"{', '.join(FIELD_NAMES)}. To search for the text, put it in quotes", start)
        rest = word[field.end():]
        if not rest and (end >= len(text) or text[end].isspace() or text[end] == ")"):
            raise QueryError(f"Put what to search for right after '{name}:', with no space",
                             start)
        tokens = [_Token("field", name, start)]
        if rest:
            tokens.append(_Token("word", rest, start + field.end()))
        return tokens
    upper = word.upper()
    if upper in ("AND", "OR", "NOT"):
        return [_Token(upper.lower(), word, start)]
    near = _NEAR.fullmatch(word)
    if near:
        if not near.group(2):
            raise QueryError(f"'{word}' needs a number of words, like {near.group(1)}/5", start)
        distance = int(near.group(2))
        if not 1 <= distance <= MAX_DISTANCE:
            raise QueryError(f"The distance in '{word}' must be between 1 and {MAX_DISTANCE}",
                             start)
        return [_Token("near", word, start, distance, near.group(1).lower() == "pre")]
    return [_Token("word", word, start)]


def parse(text: str) -> Node:
    """The syntax tree of `text`; raises QueryError."""
    if len(text) > MAX_LENGTH:
        raise QueryError(f"The search is longer than {MAX_LENGTH} characters", MAX_LENGTH)
    parser = _Parser(_lex(text), len(text))
    if not parser.tokens:
        raise QueryError("Enter something to search for", 0)
    node = parser.parse_or()
    if parser.peek() is not None:
        token = parser.tokens[parser.index]
        raise QueryError("This closing parenthesis has no opening one"
                         if token.kind == "close" else f"Unexpected '{token.text}'",
                         token.position)
    return node


class _Parser:
    def __init__(self, tokens: list[_Token], length: int) -> None:
        self.tokens = tokens
        self.index = 0
        self.length = length
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.index].kind if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _end_position(self) -> int:
        return self.tokens[self.index].position if self.index < len(self.tokens) else self.length

    def _need_operand(self, after: _Token) -> None:
        if self.peek() in (None, "close", "and", "or"):
            raise QueryError(f"'{after.text}' needs something to search for after it",
                             after.position)

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.peek() == "or":
            operator = self.take()
            self._need_operand(operator)
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_not()]
        while self.peek() not in (None, "or", "close"):
            if self.peek() == "and":
                operator = self.take()
                self._need_operand(operator)
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_not(self) -> Node:
        if self.peek() == "not":
            operator = self.take()
            self._need_operand(operator)
            return Not(self.parse_not())
        return self.parse_near()

    def parse_near(self) -> Node:
        left = self.parse_primary()
        while self.peek() == "near":
            operator = self.take()
            if self.peek() in (None, "close", "and", "or", "not", "near"):
                raise QueryError(f"'{operator.text}' needs a word or phrase after it",
                                 operator.position)
            right = self.parse_primary()
            left = _near(left, right, operator)
        return left

    def parse_primary(self) -> Node:
        kind = self.peek()
        if kind is None:
            raise QueryError("The search ends where a word was expected", self.length)
        token = self.take()
        if kind == "open":
            return self._group(token)
        if kind in ("word", "phrase"):
            return _words(token, None)
        if kind == "field":
            return self._field(token)
        if kind == "close":
            raise QueryError("This closing parenthesis has nothing before it to close",
                             token.position)
        raise QueryError(f"'{token.text}' needs something to search for before it",
                         token.position)

    def _group(self, opening: _Token) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"Parentheses nest more than {MAX_DEPTH} deep", opening.position)
        if self.peek() == "close":
            raise QueryError("These parentheses are empty", opening.position)
        node = self.parse_or()
        if self.peek() != "close":
            raise QueryError("This parenthesis is never closed; add the closing )",
                             opening.position)
        self.take()
        self.depth -= 1
        return node

    def _field(self, field: _Token) -> Node:
        name = field.text
        if self.peek() == "open":
            if name not in TEXT_FIELD_NAMES:
                raise QueryError(f"'{name}:' takes one value; combine several with OR, "
                                 f"like {name}:a OR {name}:b", field.position)
            node = _with_fields(self._group(self.take()), TEXT_FIELD_NAMES[name], field)
        else:
            value = self.take()
            if name not in TEXT_FIELD_NAMES:
                return _metadata(name, value)
            node = _words(value, TEXT_FIELD_NAMES[name])
        return And((Kind("attachment"), node)) if name == "attachment" else node


def _phrase(token: _Token) -> Phrase:
    words = tuple(analysis.pattern_tokens(token.text))
    if not words:
        what = "This phrase" if token.kind == "phrase" else f"'{token.text}'"
        raise QueryError(f"{what} has no letters or digits to search for", token.position)
    for word in words:
        if word[0] in analysis.WILDCARDS:
            raise QueryError("A word cannot start with a wildcard (* or ?); put at least one "
                             "letter first", token.position)
    return words


def _words(token: _Token, fields: tuple[str, ...] | None) -> Words:
    return Words(_phrase(token), fields, token.position)


def _alternatives(node: Node, operator: _Token) -> tuple[tuple[Phrase, ...], tuple[str, ...] | None]:
    if isinstance(node, Words):
        return (node.tokens,), node.fields
    if isinstance(node, Or) and all(isinstance(i, Words) for i in node.items):
        words = [i for i in node.items if isinstance(i, Words)]
        fields = {w.fields for w in words}
        if len(fields) == 1:
            return tuple(w.tokens for w in words), words[0].fields
    if isinstance(node, Near):
        raise QueryError(f"'{operator.text}' cannot follow another proximity search; join "
                         "them with AND", operator.position)
    raise QueryError(f"'{operator.text}' works between words, phrases or (a OR b) groups of "
                     "words in one field", operator.position)


def _near(left: Node, right: Node, operator: _Token) -> Near:
    left_words, left_fields = _alternatives(left, operator)
    right_words, right_fields = _alternatives(right, operator)
    if left_fields != right_fields:
        raise QueryError(f"Both sides of '{operator.text}' must search the same field; "
                         f"put the field before a parenthesis, like subject:(a {operator.text} b)",
                         operator.position)
    return Near(left_words, right_words, operator.distance, operator.ordered, left_fields,
                operator.position)


def _with_fields(node: Node, fields: tuple[str, ...], field: _Token) -> Node:
    if isinstance(node, Words | Near):
        if node.fields is not None and node.fields != fields:
            raise QueryError(f"'{field.text}:( ... )' cannot contain another text field",
                             field.position)
        return node.with_fields(fields)
    if isinstance(node, And | Or):
        return type(node)(tuple(_with_fields(i, fields, field) for i in node.items))
    if isinstance(node, Not):
        return Not(_with_fields(node.item, fields, field))
    raise QueryError(f"'{field.text}:( ... )' can only contain words and phrases",
                     field.position)


_THREAD_ID = re.compile(r"[0-9a-f]{1,64}")


def _thread(name: str, text: str, position: int) -> Node:
    if name == "thread":
        if not _THREAD_ID.fullmatch(text.lower()):
            raise QueryError("Give a thread's id (hex digits), like thread:3f2a9c...", position)
        return Thread(text.lower())
    if text.lower() not in ("true", "false"):
        raise QueryError("inclusive: is true or false", position)
    return Inclusive(text.lower() == "true")


_DAY = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def _day(text: str, position: int, last: bool) -> date:
    match = _DAY.fullmatch(text)
    if not match:
        raise QueryError(f"'{text}' is not a date; write dates like 2024-01-31, 2024-01 or 2024",
                         position)
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if month is None:
            return date(year, 12, 31) if last else date(year, 1, 1)
        if day is None:
            if not last:
                return date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1)
        return date(year, month, day)
    except ValueError:
        raise QueryError(f"'{text}' is not a real date", position) from None


def _metadata(name: str, value: _Token) -> Node:
    text = value.text.strip()
    if name == "custodian":
        if not text or text[0] in analysis.WILDCARDS:
            raise QueryError("Give a custodian's name, like custodian:allen-p", value.position)
        return Custodian(text)
    if name == "type":
        if text.lower() not in KINDS:
            raise QueryError(f"type: is one of {', '.join(KINDS)}", value.position)
        return Kind(text.lower())
    if name == "has":
        if text.lower() not in ("attachment", "attachments"):
            raise QueryError("has: only knows has:attachment", value.position)
        return HasAttachment()
    if name in ("thread", "inclusive"):
        return _thread(name, text, value.position)
    if name == "neardup":
        try:
            return NearDuplicates(str(uuid.UUID(text)))
        except ValueError:
            raise QueryError("neardup: takes a near-duplicate group's id, or the id of a "
                             "document in it, like neardup:3f2b9c1e-0d4a-4e8f-9b6a-2c7d5e1f0a93",
                             value.position) from None
    if name in ("after", "before"):
        day = _day(text, value.position, last=name == "after")
        ordinal = day.toordinal() + (1 if name == "after" else -1)
        try:
            bound = date.fromordinal(ordinal)
        except ValueError:
            raise QueryError(f"'{text}' is too far out", value.position) from None
        return DateRange(bound, None) if name == "after" else DateRange(None, bound)
    start_text, dots, end_text = text.partition("..")
    start = _day(start_text, value.position, last=False) if start_text else None
    end_position = value.position + len(start_text) + len(dots)
    end = _day(end_text, end_position, last=True) if end_text else None
    if not dots:
        end = _day(start_text, value.position, last=True)
    if start is None and end is None:
        raise QueryError("Give at least one date, like date:2024-01-01..2024-03-31",
                         value.position)
    if start and end and start > end:
        raise QueryError("The dates are the wrong way round: the first must be the earlier",
                         value.position)
    return DateRange(start, end)


__all__ = ["TEXT_FIELDS", "QueryError", "parse"]
