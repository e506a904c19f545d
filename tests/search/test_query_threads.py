"""thread:ID and inclusive:true|false in the query language."""

from __future__ import annotations

import pytest

from search.ast import And, Inclusive, Not, Thread, Words
from search.query import QueryError, parse


@pytest.mark.parametrize(("text", "tree"), [
    ("thread:3F2A9C", Thread("3f2a9c")),
    ("inclusive:true", Inclusive(True)),
    ("inclusive:FALSE", Inclusive(False)),
    ("budget NOT inclusive:true", And((Words(("budget",)), Not(Inclusive(True))))),
    ("thread:ab inclusive:true", And((Thread("ab"), Inclusive(True)))),
])
def test_thread_and_inclusive_parse(text: str, tree: object) -> None:
    assert parse(text) == tree


@pytest.mark.parametrize(("text", "position", "fragment"), [
    ("thread:x'; drop", 7, "thread's id"),
    ("thread:" + "a" * 65, 7, "thread's id"),
    ("inclusive:yes", 10, "true or false"),
    ("budget inclusive:", 7, "with no space"),
])
def test_bad_thread_and_inclusive_say_what(text: str, position: int, fragment: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(text)
    assert caught.value.position == position
    assert fragment in caught.value.message
