"""Snippets: the query's words marked in the original text, escaped, nothing else marked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from search import analysis
from search.highlight import matcher, opening, snippets
from search.query import parse


def marked(query: str, text: str, field: str = "body") -> list[str]:
    return snippets(text, matcher(parse(query), field))


def test_words_phrases_and_wildcards_are_marked_but_not_negated_ones() -> None:
    text = "The Contracts & gas prices <b>rose</b>; the DRAFT was withdrawn."
    [snippet] = marked('contract* "gas price?" NOT draft', text)
    assert snippet == ("The <mark>Contracts</mark> &amp; <mark>gas</mark> <mark>prices</mark> "
                       "&lt;b&gt;rose&lt;/b&gt;; the DRAFT was withdrawn.")


def test_accents_and_case_follow_the_definition_of_a_word() -> None:
    assert marked("cafe", "Meet at the Café.") == ["Meet at the <mark>Café</mark>."]


def test_a_field_search_marks_only_its_field() -> None:
    assert marked("subject:budget", "budget in the body") == []
    assert marked("subject:budget", "budget in the subject", "subject") == [
        "<mark>budget</mark> in the subject"]


def test_far_apart_matches_make_separate_fragments_at_most_three() -> None:
    text = " ".join(["budget"] + ["filler"] * 100 + ["budget"] + ["filler"] * 100 + ["budget"]
                    + ["filler"] * 100 + ["budget"])
    found = marked("budget", text)
    assert len(found) == 3 and all(s.count("<mark>") == 1 for s in found)
    assert found[0].startswith("<mark>") and found[1].startswith("…")


def test_opening_is_escaped_and_cut() -> None:
    cut = opening("<x> " + "a " * 200)
    assert cut.startswith("&lt;x&gt; a a") and cut.endswith("…") and len(cut) < 180
    assert opening("short") == "short"


WORDS = ["gas", "degas", "Gas", "GASOLINE", "price", "prices", "x" * 120, "a_b", "k9", "9k", "pr1ce"]


@given(st.lists(st.sampled_from(WORDS + [" ", ", ", "-", "_", "\n"]), max_size=40),
       st.sampled_from(["gas", "price?", "gas*", "pr*ce", "x" * 100, "k9 OR b", '"a b"']))
def test_ascii_text_marks_exactly_the_words_the_definition_marks(parts: list[str],
                                                                 query: str) -> None:
    text = "".join(parts)
    marker = matcher(parse(query), "body")
    by_definition = [(start, end) for start, end, tokens in analysis.spans(text)
                     if any(marker.matches(t) for t in tokens)]
    assert list(marker.marked(text)) == by_definition
