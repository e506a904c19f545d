"""Identity and money numbers: SSNs, Colorado driver's licences, cards, bank accounts, routing
numbers. Shape finds candidates; checksums and context words decide what they are."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .checksums import aba_valid, luhn_valid
from .context import distance, near
from .hits import Hit

# Specimen and never-issued SSNs (078-05-1120, 219-09-9999, 000-, 666-, 9xx ITINs) are kept on
# purpose: whatever is written in a record as an SSN gets redacted.
SSN = re.compile(r"(?<![\w-])\d{3}(?P<sep>[- ])\d{2}(?P=sep)\d{4}(?![\w-]|-\d)")
CO_LICENCE = re.compile(r"(?<![\w-])\d{2}-\d{3}-\d{4}(?![\w-]|-\d)")
DIGIT_RUN = re.compile(r"(?<![\w.-])\d{6,17}(?![\w-]|[-.]\w)")  # undashed: context decides
CARD = re.compile(r"(?<![\w/.-])\d(?:[ -]?\d){12,18}(?![\w/-]|[-.]\w)")  # not in URLs
CARD_PREFIXES = ("2", "3", "4", "5", "6")  # Mastercard 2-series, Amex/Diners/JCB, Visa, MC, Discover

# Which context a bare run of digits may take, by length; the nearest context word wins.
KINDS_BY_LENGTH = {9: ("routing", "ssn", "drivers_licence", "bank_account")}
DEFAULT_KINDS = ("bank_account",)
CONFIDENCE = {"ssn": 0.9, "drivers_licence": 0.85, "routing": 0.95, "bank_account": 0.7}


def _ssn_confidence(text: str, start: int, end: int) -> float:
    digits = re.sub(r"\D", "", text[start:end])
    never_issued = digits[:3] in ("000", "666") or digits[3:5] == "00" or digits[5:] == "0000"
    base = 0.6 if never_issued else 0.85
    return min(1.0, base + 0.1) if near(text, start, end, "ssn") else base


def ssns(text: str) -> Iterator[Hit]:
    for match in SSN.finditer(text):
        yield Hit(match.start(), match.end(), "ssn", _ssn_confidence(text, match.start(), match.end()))


def co_licences(text: str) -> Iterator[Hit]:
    for match in CO_LICENCE.finditer(text):
        sure = near(text, match.start(), match.end(), "drivers_licence")
        yield Hit(match.start(), match.end(), "drivers_licence", 0.95 if sure else 0.8)


def digit_runs(text: str) -> Iterator[Hit]:
    """Undashed numbers, named by the nearest context word: "SSN 078051120", "DL 123456789",
    "routing 121000248" (checksum must hold), "acct 00123456789"."""
    for match in DIGIT_RUN.finditer(text):
        start, end = match.span()
        best: tuple[int, str] | None = None
        for kind in KINDS_BY_LENGTH.get(end - start, DEFAULT_KINDS):
            if kind == "routing" and not aba_valid(match.group()):
                continue
            away = distance(text, start, end, kind)
            if away is not None and (best is None or away < best[0]):
                best = (away, kind)
        if best is not None:
            yield Hit(start, end, best[1], CONFIDENCE[best[1]])


def cards(text: str) -> Iterator[Hit]:
    for match in CARD.finditer(text):
        digits = match.group().replace(" ", "").replace("-", "")
        if digits.startswith(CARD_PREFIXES) and 13 <= len(digits) <= 19 and luhn_valid(digits):
            sure = near(text, match.start(), match.end(), "card")
            yield Hit(match.start(), match.end(), "card", 0.98 if sure else 0.9)
