"""Recall on the synthetic PII set, the negatives, and the interface's promises."""

from __future__ import annotations

import pytest

from app.redaction.detect import DETECTORS, Finding, Options, detect
from app.redaction.detect.hits import Hit, merge
from tests.redaction.pii_cases import CASES, CITY_DOMAINS, NEGATIVES, Case

OPTIONAL = Options(personal_email=True, home_address=True, city_domains=CITY_DOMAINS)


def found(case: Case) -> set[tuple[str, str]]:
    return {(f.detector, f.quote) for f in detect(case.text, OPTIONAL if case.optional else Options())}


@pytest.mark.parametrize("case", CASES, ids=[c.text[:40] for c in CASES])
def test_each_case_is_found_exactly(case: Case) -> None:
    assert found(case) == set(case.expected)


def test_recall_is_total_and_every_detector_is_exercised() -> None:
    expected = {(i, pair) for i, case in enumerate(CASES) for pair in case.expected}
    hit = {(i, pair) for i, case in enumerate(CASES) for pair in found(case)}
    assert len(expected & hit) / len(expected) == 1.0
    assert {detector for _, (detector, _) in expected} == set(DETECTORS)


@pytest.mark.parametrize("text", NEGATIVES)
def test_negatives_find_nothing(text: str) -> None:
    assert detect(text) == []


def test_optional_detectors_are_off_by_default_and_respect_city_domains() -> None:
    text = "Write to jane.roe77@gmail.com or jroe@westview.gov; she lives at 1234 Main Street."
    assert detect(text) == []
    on = detect(text, OPTIONAL)
    assert [(f.detector, f.quote) for f in on] == [
        ("personal_email", "jane.roe77@gmail.com"), ("home_address", "1234 Main Street")]
    without_city = detect(text, Options(personal_email=True))
    assert [f.quote for f in without_city] == ["jane.roe77@gmail.com", "jroe@westview.gov"]
    subdomain = detect("x@mail.westview.gov", Options(personal_email=True, city_domains=("Westview.gov",)))
    assert subdomain == []


def test_spoken_findings_point_at_the_original_words() -> None:
    text = "Hi.\nMy social is oh seven eight, oh five, one one two oh and my card is on file."
    [finding] = detect(text)
    assert finding == Finding(text.index("oh seven"), text.index(" and"),
                              "oh seven eight, oh five, one one two oh", "ssn", 0.95,
                              "24-72-204(3)(a)(IV)")


def test_context_decides_what_nine_digits_are() -> None:
    assert [f.detector for f in detect("SSN 524713386")] == ["ssn"]
    assert [f.detector for f in detect("DL 524713386")] == ["drivers_licence"]
    assert [f.detector for f in detect("account 524713386")] == ["bank_account"]
    assert detect("number 524713386") == []
    # both labels: the nearer one names it
    assert [f.detector for f in detect("SSN on file; driver's license 524713386")] == ["drivers_licence"]


def test_checksums_and_context_raise_confidence() -> None:
    [plain] = detect("612-48-2290")
    [labelled] = detect("SSN 612-48-2290")
    assert labelled.confidence > plain.confidence
    [bare] = detect("3035550142")
    [dashed] = detect("303-555-0142")
    assert bare.confidence < dashed.confidence


def test_default_citations_come_from_the_data_file() -> None:
    by_detector = {f.detector: f.citation for f in detect(
        "SSN 078-05-1120, diagnosed with asthma, DL 12-345-6789")}
    assert by_detector == {"ssn": "24-72-204(3)(a)(IV)", "medical": "24-72-204(3)(a)(I)",
                           "drivers_licence": "24-72-204(1)"}


def test_overlaps_merge_to_the_stronger_and_cover_both() -> None:
    # a password that is a phone number: one finding, named by the stronger (credential)
    [finding] = detect("password: 303-555-0142")
    assert (finding.detector, finding.quote, finding.confidence) == ("credential", "303-555-0142", 0.9)
    merged = merge([Hit(0, 10, "home_address", 0.7), Hit(5, 17, "phone", 0.8), Hit(20, 24, "medical", 0.6)])
    assert merged == [Hit(0, 17, "phone", 0.8), Hit(20, 24, "medical", 0.6)]


def test_findings_are_sorted_and_disjoint() -> None:
    text = " ".join(case.text for case in CASES)
    findings = detect(text, OPTIONAL)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))
    assert all(text[f.start:f.end] == f.quote for f in findings)


def test_not_a_string_is_refused() -> None:
    with pytest.raises(TypeError, match="reads a str"):
        detect(b"078-05-1120")  # type: ignore[arg-type]
