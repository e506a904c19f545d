"""Whatever the text, a finding's offsets point at its quote in that text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.redaction.detect import Options, detect
from app.redaction.detect.checksums import aba_valid, luhn_valid
from app.redaction.detect.lexicon import compile_terms, read_terms

FRAGMENTS = st.sampled_from([
    "oh", "seven", "eight", "double", "triple", "five", "zero", "one", "two", "nine", ",", "-", ".",
    " ", "\n", "SSN", "social", "DL", "account", "routing", "PIN", "password:", "is", "DOB:",
    "078-05-1120", "12-345-6789", "4111 1111 1111 1111", "121000248", "303-555-0142", "03/14/1980",
    "diabetes", "x@gmail.com", "12 Main St", "é", "İ", "4", "55", "2026",
])
TEXTS = st.lists(st.one_of(FRAGMENTS, st.text(max_size=4)), max_size=40).map("".join)
ALL_ON = Options(personal_email=True, home_address=True)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_offsets_always_point_at_the_quote(text: str) -> None:
    findings = detect(text, ALL_ON)
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start:finding.end] == finding.quote
        assert 0.0 <= finding.confidence <= 1.0
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))


def test_luhn_and_routing_checksums() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert aba_valid("121000248") and aba_valid("011000015")
    assert not aba_valid("121000249")  # check digit off by one
    assert not aba_valid("991000247")  # no such Federal Reserve prefix
    assert not aba_valid("12100024")


def test_term_lists_skip_comments_and_match_whole_words_across_lines() -> None:
    terms = read_terms("# conditions\n\nAsthma\n  heart   attack \nasthma\n")
    assert terms == ["asthma", "heart attack"]
    pattern = compile_terms(terms)
    assert [m.group() for m in pattern.finditer("ASTHMA, asthmatic, a heart\n attack")] == [
        "ASTHMA", "heart\n attack"]
