"""Subjects as the fallback compares them: reply and forward prefixes, list tags, case gone."""

from __future__ import annotations

import re

# Re:, Fw:, Fwd:, and the German AW: (Antwort) and WG: (Weitergeleitet), with counts
# some mailers add (Re[2]:, Re(3):); and list tags such as "[council]".
_PREFIX = re.compile(r"^(?:(?:re|fwd?|aw|wg)\s*(?:\[\d+\]|\(\d+\))?\s*:|\[[^\]]*\])\s*", re.IGNORECASE)


def normalize(subject: str) -> str:
    """The subject with every leading prefix and tag stripped, one space, case folded."""
    text = " ".join(subject.split())
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            return text.casefold()
        text = stripped
