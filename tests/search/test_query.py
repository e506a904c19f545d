"""The query language: what each construct becomes, and a clear error for everything else."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.ast import (
    And,
    Custodian,
    DateRange,
    HasAttachment,
    Kind,
    Near,
    NearDuplicates,
    Not,
    Or,
    Words,
)
from search.query import QueryError, parse


def words(*tokens: str, fields: tuple[str, ...] | None = None) -> Words:
    return Words(tuple(tokens), fields)


@pytest.mark.parametrize(("text", "tree"), [
    ("budget", words("budget")),
    ("Budget MEETING", And((words("budget"), words("meeting")))),
    ("a and b or c", Or((And((words("a"), words("b"))), words("c")))),
    ("a OR b AND c", Or((words("a"), And((words("b"), words("c")))))),
    ("a NOT b", And((words("a"), Not(words("b"))))),
    ("NOT (a OR b)", Not(Or((words("a"), words("b"))))),
    ('"City Council" meeting', And((words("city", "council"), words("meeting")))),
    ("e-mail", words("e", "mail")),
    ("jeff.skilling@enron.com", words("jeff", "skilling", "enron", "com")),
    ("Café ÉTÉ", And((words("cafe"), words("ete")))),
    ("contract* wom?n", And((words("contract*"), words("wom?n")))),
    ("gas w/3 price", Near((("gas",),), (("price",),), 3, False)),
    ('"gas price" PRE/2 california', Near((("gas", "price"),), (("california",),), 2, True)),
    ("(gas OR power) w/5 price*", Near((("gas",), ("power",)), (("price*",),), 5, False)),
    ("subject:(gas w/2 price)", Near((("gas",),), (("price",),), 2, False, ("subject",))),
    ("from:skilling", words("skilling", fields=("sender",))),
    ("participant:caiso.com", words("caiso", "com", fields=("sender", "to", "cc", "bcc"))),
    ('subject:"rate case"', words("rate", "case", fields=("subject",))),
    ("subject:(a OR NOT b)", Or((words("a", fields=("subject",)),
                                 Not(words("b", fields=("subject",)))))),
    ("attachment:invoice", And((Kind("attachment"), words("invoice", fields=("body",))))),
    ("custodian:allen-p", Custodian("allen-p")),
    ("type:Voicemail has:attachment", And((Kind("voicemail"), HasAttachment()))),
    ("date:2001-01-01..2001-03-31", DateRange(date(2001, 1, 1), date(2001, 3, 31))),
    ("date:2001-02", DateRange(date(2001, 2, 1), date(2001, 2, 28))),
    ("date:2000", DateRange(date(2000, 1, 1), date(2000, 12, 31))),
    ("date:..2001-06", DateRange(None, date(2001, 6, 30))),
    ("date:2001-06..", DateRange(date(2001, 6, 1), None)),
    ("after:2001-12-31", DateRange(date(2002, 1, 1), None)),
    ("before:2001-03", DateRange(None, date(2001, 2, 28))),
    ("10:30", words("10", "30")),
    ('"and"', words("and")),
    ("neardup:3F2B9C1E-0D4A-4E8F-9B6A-2C7D5E1F0A93",
     NearDuplicates("3f2b9c1e-0d4a-4e8f-9b6a-2c7d5e1f0a93")),
    ("gas NOT neardup:3f2b9c1e0d4a4e8f9b6a2c7d5e1f0a93",
     And((words("gas"), Not(NearDuplicates("3f2b9c1e-0d4a-4e8f-9b6a-2c7d5e1f0a93"))))),
])
def test_query_becomes_tree(text: str, tree: object) -> None:
    assert parse(text) == tree


@pytest.mark.parametrize(("text", "position", "fragment"), [
    ("", 0, "Enter something"),
    ("   ", 0, "Enter something"),
    ("budget AND", 7, "needs something to search for after it"),
    ("OR budget", 0, "needs something to search for before it"),
    ("(budget OR meeting", 0, "never closed"),
    ("budget)", 6, "no opening one"),
    ('"city council', 0, "quote is never closed"),
    ("form:skilling", 0, "no field called 'form'"),
    ("subject: budget", 0, "with no space"),
    ("budget w/ meeting", 7, "needs a number"),
    ("budget w/0 meeting", 7, "between 1 and"),
    ("budget w/5", 7, "needs a word or phrase after it"),
    ("a w/5 b w/5 c", 8, "join them with AND"),
    ("(a AND b) w/5 c", 10, "works between words"),
    ("subject:a w/5 b", 10, "same field"),
    ("*budget", 0, "cannot start with a wildcard"),
    ("budget ---", 7, "no letters or digits"),
    ('""', 0, "no letters or digits"),
    ("()", 0, "empty"),
    ("type:pdf", 5, "email, voicemail, attachment"),
    ("has:photos", 4, "has:attachment"),
    ("date:2001-13-01", 5, "not a real date"),
    ("date:yesterday", 5, "is not a date"),
    ("date:2001-02..2001-01", 5, "wrong way round"),
    ("date:2001-01..x", 14, "is not a date"),
    ("custodian:*", 10, "custodian's name"),
    ("type:(email)", 0, "takes one value"),
    ("neardup:budget", 8, "near-duplicate group's id"),
    ("neardup:(3f2b9c1e-0d4a-4e8f-9b6a-2c7d5e1f0a93)", 0, "takes one value"),
    ("subject:(from:x)", 0, "cannot contain another text field"),
    ("subject:(type:email)", 0, "only contain words"),
    ("(" * 50 + "a" + ")" * 50, 40, "nest more than"),
])
def test_bad_query_says_where_and_what(text: str, position: int, fragment: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(text)
    assert caught.value.position == position
    assert fragment in caught.value.message


SYNTAX = st.sampled_from(['"', "(", ")", ":", "*", "?", "/", "-", ".", "..", " ", "AND", "or",
                          "NOT", "w/", "w/3", "pre/2", "subject:", "from:", "date:", "type:",
                          "custodian:", "has:", "after:", "2001-02-03", "gas", "Ü", "é", "\t",
                          "0", "w/0", "pre/99999", "attachment:", "\u200b", "丸"])


@settings(max_examples=600, deadline=None)
@given(st.lists(SYNTAX, max_size=14).map("".join) | st.text(max_size=60))
def test_any_text_parses_or_fails_clearly(text: str) -> None:
    try:
        parse(text)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)
        assert len(exc.message) > 15 and "Traceback" not in exc.message
