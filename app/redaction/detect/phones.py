"""Telephone numbers: a cheap shape finds candidates, `phonenumbers` (region US) says which are
real numbers. (Its PhoneNumberMatcher finds the same numbers but read the Enron slice at
3.6 MB/s against 32 MB/s this way.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from .context import near
from .hits import Hit

CANDIDATE = re.compile(
    r"(?<![\w+-])(?:\+?1[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}(?P<sep>[ .-]?))\d{3}[ .-]?\d{4}"
    r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?![\w-]|-\d)",
    re.IGNORECASE,
)


def phones(text: str) -> Iterator[Hit]:
    for match in CANDIDATE.finditer(text):
        try:
            number = phonenumbers.parse(match.group(), "US")
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        bare = match.group().isdigit()  # 3035550123: could be any ten-digit identifier
        confidence = 0.5 if bare else 0.8
        if near(text, match.start(), match.end(), "phone"):
            confidence += 0.15
        yield Hit(match.start(), match.end(), "phone", confidence)
