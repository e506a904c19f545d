"""Outlook's Thread-Index (PR_CONVERSATION_INDEX): the conversation a message belongs to.

The value is base64 of a 22-byte header, whose bytes 6..21 are the conversation's GUID,
then one 5-byte block per reply. Same GUID, same conversation; the blocks count the depth.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

HEADER, BLOCK = 22, 5


@dataclass(frozen=True)
class ThreadIndex:
    conversation: str  # the GUID, 32 hex digits
    depth: int  # replies below the conversation's first message
    raw: bytes

    def parent(self) -> bytes | None:
        """The Thread-Index bytes of the message this one answers, None at the top."""
        return self.raw[:-BLOCK] if self.depth else None


def parse(value: str | bytes | None) -> ThreadIndex | None:
    """A Thread-Index as found (header text or the binary property), None when unusable."""
    if not value:
        return None
    if isinstance(value, str):
        try:
            raw = base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            return None
    else:
        raw = bytes(value)
    if len(raw) < HEADER or (len(raw) - HEADER) % BLOCK:
        return None
    guid = raw[6:HEADER]
    if not any(guid):
        return None
    return ThreadIndex(guid.hex(), (len(raw) - HEADER) // BLOCK, raw)

