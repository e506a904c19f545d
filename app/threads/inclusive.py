"""Inclusive e-mails: the messages of a thread a reviewer must read to have read it all.

A message is left out when a later message of its thread holds its whole text (a reply
that quotes it, a forward) and every attachment it has (by content hash). Quoting is
normalized first: '>' marks and blanks at a line's start, line breaks and case do not
count, so "> text" in a reply matches "text" in the original. An edited quote does not
match, and the original stays inclusive.
"""

from __future__ import annotations

import re

from app.threads.threading import Mail, order

_QUOTE_MARKS = re.compile(r"^[\s>]+", re.MULTILINE)


def normalized(text: str) -> str:
    return " ".join(_QUOTE_MARKS.sub("", text).split()).casefold()


def inclusive(thread: list[Mail]) -> set[str]:
    """The keys of the thread's inclusive messages."""
    ordered = sorted(thread, key=order)
    texts = [normalized(mail.text) for mail in ordered]
    keep: set[str] = set()
    later_attachments: set[str] = set()
    later_texts: list[str] = []
    for position in range(len(ordered) - 1, -1, -1):
        mail, text = ordered[position], texts[position]
        covered = any(text in other for other in later_texts)
        if not covered or not mail.attachments <= later_attachments:
            keep.add(mail.key)
        later_texts.append(text)
        later_attachments |= mail.attachments
    return keep
