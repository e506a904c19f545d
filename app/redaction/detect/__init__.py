"""Finding protected content in a text: pure functions, no database, no NLP model.

Interface (owned by the detection work; other packages call only this):

    findings = detect(text, Options())
    for f in findings: f.start, f.end, f.quote, f.detector, f.confidence, f.citation

Offsets are Python string indices into `text`; `quote == text[start:end]`.

Numbers read aloud ("oh seven eight, oh five, ...") are read as digits (spoken.py); each
detector is a module of its own; the citation each suggests is data (detectors.toml), as are
the medical terms (medical_terms.txt).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import credentials, dates, lexicon, numbers, personal, phones
from .catalogue import DETECTORS, Detector
from .hits import Hit, merge
from .spoken import view_of

__all__ = ["DETECTORS", "Detector", "Finding", "Options", "detect"]


@dataclass(frozen=True)
class Options:
    """What the city turned on beyond the always-on detectors."""

    personal_email: bool = False  # e-mail addresses outside `city_domains`
    home_address: bool = False  # street addresses
    city_domains: tuple[str, ...] = ()  # the city's own mail domains: never "personal"


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    quote: str
    detector: str  # "ssn", "card", "bank_account", "routing", "phone", "dob", "drivers_licence",
    # "credential", "medical", "personal_email", "home_address"
    confidence: float  # 0..1
    citation: str  # the default citation code, e.g. "24-72-204(3)(a)(IV)"


ALWAYS_ON: tuple[Callable[[str], Iterable[Hit]], ...] = (
    numbers.ssns, numbers.co_licences, numbers.digit_runs, numbers.cards, phones.phones,
    dates.dates_of_birth, credentials.credentials, lexicon.medical_terms,
)


def detect(text: str, options: Options | None = None) -> list[Finding]:
    """Every finding in `text`, sorted by start, overlapping findings merged to the stronger."""
    if not isinstance(text, str):
        raise TypeError(f"detect() reads a str, not {type(text).__name__}")
    options = options or Options()
    view = view_of(text)
    hits: list[Hit] = []
    for detector in ALWAYS_ON:
        hits.extend(detector(view.text))
    if options.personal_email:
        hits.extend(personal.personal_emails(view.text, options.city_domains))
    if options.home_address:
        hits.extend(personal.home_addresses(view.text))
    findings = []
    for hit in merge(hits):
        start, end = view.span(hit.start, hit.end)
        findings.append(Finding(start, end, text[start:end], hit.detector, round(hit.confidence, 2),
                                DETECTORS[hit.detector].citation))
    return findings
