"""What a source yields for each item it reads, before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.message import ParsedMessage


@dataclass
class SourceItem:
    """One e-mail or voicemail as found in a mailbox, file or export.

    `native` is the item's own bytes (for PST items, a rendering as RFC 822).
    `message` is set when the source parsed it already (MSG, PST); otherwise the
    pipeline parses `native` as RFC 822. `voicemail` is set for exported
    voicemail (its native bytes are then the audio). `error` means the source
    could not read the item: it is quarantined with that reason.
    """

    source_id: str
    folder: str
    native: bytes
    native_format: str  # eml, msg, pst, voicemail
    message: ParsedMessage | None = None
    voicemail: dict[str, Any] | None = None
    filename: str = ""
    error: str | None = None
    # Where the source stands after this item, handed back to Source.done (IMAP: folder,
    # UIDVALIDITY, UID).
    marker: tuple[str, int, int] | None = None
