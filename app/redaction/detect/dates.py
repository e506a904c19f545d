"""Dates of birth: a date is one only when the text says so (DOB, born on, birthday...)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .hits import Hit

LABEL = re.compile(
    r"(?<!\w)(?:d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birth\s*day|b-?day|born(?:\s+on)?)(?!\w)",
    re.IGNORECASE,
)
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:[0-2]?\d|3[01])(?:st|nd|rd|th)?"
DATE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<m>0?[1-9]|1[0-2])(?P<s>[/.-])(?P<d>0?[1-9]|[12]\d|3[01])(?P=s)(?:\d{4}|\d{2})"  # 3/14/1980
    r"|\d{4}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])"  # 1980-03-14
    rf"|{_MONTH}\s+{_DAY},?\s+\d{{4}}"  # March 14, 1980
    rf"|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"  # 14 March 1980
    r")(?!\d)",
    re.IGNORECASE,
)
REACH = 24  # "DOB: ", "born on the ", "date of birth is "


def dates_of_birth(text: str) -> Iterator[Hit]:
    for label in LABEL.finditer(text):
        date = DATE.search(text, label.end(), min(len(text), label.end() + REACH + 20))
        if date is not None and date.start() - label.end() <= REACH:
            yield Hit(date.start(), date.end(), "dob", 0.9)
