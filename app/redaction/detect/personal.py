"""Off by default (Options): personal e-mail addresses and street addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .hits import Hit

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?!\w)")
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "msn.com",
    "aol.com", "icloud.com", "me.com", "mac.com", "comcast.net", "protonmail.com", "proton.me",
    "att.net", "verizon.net", "earthlink.net", "juno.com", "ymail.com", "gmx.com", "mail.com",
})

_SUFFIX = (r"(?:(?:street|avenue|road|boulevard|drive|lane|court|way|place|parkway|circle|terrace|"
           r"trail|highway|square|loop|alley|row|crescent|point|pike)"
           r"|(?:st|ave|rd|blvd|dr|ln|ct|pl|pkwy|cir|ter|trl|hwy|sq|pt)\.?)")
_NAME = r"(?:[A-Z][a-z][A-Za-z'-]*|\d{1,3}(?:st|nd|rd|th))"  # "Main", "17th"; not "AM"
ADDRESS = re.compile(
    r"(?<![\w:/.-])\d{1,6}(?:-?[A-Z])? {1,2}(?:[NSEW]\.? |(?:North|South|East|West) )?"
    rf"{_NAME}(?: {_NAME}){{0,3}} (?i:{_SUFFIX})(?!\w)"
    r"(?:,?\s+(?i:apt|apartment|unit|suite|ste|#)\.?\s*#?\s*[\w-]{1,6})?"
    r"(?:,\s*[A-Z][A-Za-z]+(?:\s[A-Z][A-Za-z]+){0,2})?"  # city
    r"(?:,?\s+(?:CO|Colorado|[A-Z]{2}))?"
    r"(?:\s+\d{5}(?:-\d{4})?)?(?!\w)"
)


def _is_city(domain: str, city_domains: tuple[str, ...]) -> bool:
    domain = domain.lower()
    return any(domain == own or domain.endswith("." + own) for own in (d.lower() for d in city_domains))


def personal_emails(text: str, city_domains: tuple[str, ...]) -> Iterator[Hit]:
    for match in EMAIL.finditer(text):
        domain = match["domain"]
        if not _is_city(domain, city_domains):
            confidence = 0.9 if domain.lower() in FREE_MAIL else 0.6
            yield Hit(match.start(), match.end(), "personal_email", confidence)


def home_addresses(text: str) -> Iterator[Hit]:
    for match in ADDRESS.finditer(text):
        yield Hit(match.start(), match.end(), "home_address", 0.7)
