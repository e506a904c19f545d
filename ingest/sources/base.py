"""What every source of mail gives the ingest job, and the error for one it cannot use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from sqlalchemy.orm import Session

from ingest.items import SourceItem


class SourceError(ValueError):
    """The job's source description cannot be used."""


class Source(Protocol):
    @property
    def name(self) -> str:
        """How locations name this source: a path, a root and a path in it, an upload, an
        IMAP account."""
    # True when the source records its own progress in done(): a resumed job then
    # skips nothing. False: it yields the same items in the same order every time.
    stateful: bool

    def items(self, session: Session) -> Iterator[SourceItem]:
        """The items, in a stable order; `session` reads any state the source keeps."""

    def done(self, session: Session, item: SourceItem) -> None:
        """Called in the transaction that stored `item` (IMAP records its last UID)."""

    def total_bytes(self) -> int | None: ...
