"""Finding protected content in a text: pure functions, no database, no NLP model.

Interface (owned by the detection work; other packages call only this):

    findings = detect(text, Options())
    for f in findings: f.start, f.end, f.quote, f.detector, f.confidence, f.citation

Offsets are Python string indices into `text`; `quote == text[start:end]`.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def detect(text: str, options: Options | None = None) -> list[Finding]:
    """Every finding in `text`, sorted by start, overlapping findings merged to the stronger."""
    raise NotImplementedError
