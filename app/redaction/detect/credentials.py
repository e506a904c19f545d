"""Passwords, PINs, API keys and the user names given with them, read after their label."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .hits import Hit

_SAYS = r"(?:\s*[:=#]+\s*|\s+-+>?\s+|\s+(?:is|was|will\s+be)\s*:?\s*)"
_VALUE = r"(?:\"(?P<quoted>[^\"\n]{1,64})\"|'(?P<single>[^'\n]{1,64})'|(?P<bare>[^\s\"']{3,64}))"
PASSWORD = re.compile(
    rf"(?<!\w)(?:pass(?:word|wd|code|phrase)|pass\s+code|pwd|pw|temp(?:orary)?\s+password)s?{_SAYS}{_VALUE}",
    re.IGNORECASE,
)
PIN = re.compile(
    r"(?<!\w)(?:pin(?:\s*(?:number|code|no\.?|#))?|security\s+code|access\s+code|cvv2?|cvc|"
    r"(?:door|alarm|gate|lock|keypad|voicemail)\s+code)"
    r"(?:\s*[:=#]+\s*|\s+(?:is|was|will\s+be)\s*:?\s*|\s+)(?P<digits>\d{3,8})(?!\d)",
    re.IGNORECASE,
)
TOKEN = re.compile(
    rf"(?<!\w)(?:api[_\s-]?(?:key|secret|token)|secret(?:[_\s-]?key)?|client[_\s-]?secret|"
    rf"(?:access|auth|bearer|refresh)[_\s-]?token|token|bearer|private[_\s-]?key)(?:{_SAYS}|\s+)"
    r"(?P<token>[A-Za-z0-9_\-.+/=]{8,200})",
    re.IGNORECASE,
)
USER = re.compile(
    rf"(?<!\w)(?:user\s*name|user\s*id|login(?:\s+id)?|log-?in|user|account\s+name){_SAYS}{_VALUE}",
    re.IGNORECASE,
)
NOT_A_PASSWORD = frozenset("""
a an the is was be been being to for of in on at by as it this that your my our his her their
expired required incorrect invalid wrong not case sensitive same reset changed protected below
above attached blank empty still now set correct ok okay fine too very also sent emailed needed
needs different new old same temporary locked simple strong weak good bad there here what same
forgotten forgot lost please you we they will would should can could must may and or but so
""".split())  # noqa: SIM905
PAIRED = 120  # a user name counts as a credential when a password label is this close


def _value(match: re.Match[str]) -> tuple[int, int] | None:
    for group in ("quoted", "single", "bare"):
        if match[group] is not None:
            start, end = match.span(group)
            value = match[group].rstrip(".,;:)")
            end = start + len(value)
            if len(value) < 3 or value.lower() in NOT_A_PASSWORD:
                return None
            return start, end
    return None


def _mentions(lowered: str, *words: str) -> bool:
    """A quick look before a slow pattern: most texts name no password at all."""
    return any(word in lowered for word in words)


def credentials(text: str) -> Iterator[Hit]:
    lowered = text.lower()
    passwords = []
    for match in PASSWORD.finditer(text) if _mentions(lowered, "pass", "pw") else ():
        span = _value(match)
        passwords.append(match.start())
        if span is not None:
            yield Hit(*span, "credential", 0.9)
    for match in PIN.finditer(text) if _mentions(lowered, "pin", "code", "cvv", "cvc") else ():
        yield Hit(*match.span("digits"), "credential", 0.85)
    for match in TOKEN.finditer(text) if _mentions(lowered, "key", "token", "secret", "bearer") else ():
        token = match["token"].rstrip(".,;:)")
        mixed = re.search(r"\d", token) and re.search(r"[A-Za-z]", token)
        if len(token) >= 8 and (len(token) >= 20 or mixed):
            yield Hit(match.start("token"), match.start("token") + len(token), "credential", 0.85)
    if passwords:
        for match in USER.finditer(text):
            span = _value(match)
            if span is not None and any(abs(p - match.start()) <= PAIRED for p in passwords):
                yield Hit(*span, "credential", 0.8)
