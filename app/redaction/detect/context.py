"""Context words: the label a writer puts next to a number says what the number is."""

from __future__ import annotations

import re


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


CONTEXT = {
    "ssn": _words(r"ssn", r"ss\s*#", r"s\.s\.n\.?", r"ss\s*no\.?", r"soc\.?\s*sec\.?", r"social",
                  r"social\s+security(?:\s+(?:no\.?|number|#))?", r"ssa?n?\s+number", r"tin", r"itin"),
    "drivers_licence": _words(r"driver'?s?\s*(?:licen[cs]e|lic\.?)", r"licen[cs]e\s*(?:no\.?|number|#)",
                              r"d\.?l\.?\s*#?", r"cdl", r"dl\s*(?:no\.?|number|#)"),
    "bank_account": _words(r"account", r"acct\.?", r"acc\.?\s*#", r"a/c", r"checking", r"savings",
                           r"bank", r"deposit"),
    "routing": _words(r"routing", r"aba", r"rtn", r"transit\s*(?:no\.?|number|#)"),
    "card": _words(r"card", r"visa", r"mastercard", r"master\s+card", r"amex", r"american\s+express",
                   r"discover", r"cc\s*#?", r"credit", r"debit"),
    "phone": _words(r"phone", r"ph\.?", r"cell", r"mobile", r"tel\.?", r"telephone", r"fax", r"call",
                    r"reach", r"pager", r"number", r"text", r"voicemail"),
}
BEFORE = 40  # characters of the text before a number searched for its label
AFTER = 16  # "(SSN)" after the number


def distance(text: str, start: int, end: int, kind: str) -> int | None:
    """How far the nearest `kind` context word is from text[start:end], or None if none is near."""
    words = CONTEXT[kind]
    best: int | None = None
    for match in words.finditer(text, max(0, start - BEFORE), start):
        best = start - match.end()
    after = words.search(text, end, min(len(text), end + AFTER))
    if after is not None and (best is None or after.start() - end < best):
        best = after.start() - end
    return best


def near(text: str, start: int, end: int, kind: str) -> bool:
    return distance(text, start, end, kind) is not None
