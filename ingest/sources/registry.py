"""Which reader handles a job's source, chosen by the source's type."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from ingest.items import SourceItem


class Source(Protocol):
    @property
    def name(self) -> str:
        """How locations name this source: a path or an IMAP account."""
    # True when the source records its own progress in done(): a resumed job then
    # skips nothing. False: it yields the same items in the same order every time.
    stateful: bool

    def items(self, session: Session) -> Iterator[SourceItem]:
        """The items, in a stable order; `session` reads any state the source keeps."""

    def done(self, session: Session, item: SourceItem) -> None:
        """Called in the transaction that stored `item` (IMAP records its last UID)."""

    def total_bytes(self) -> int | None: ...


class PathSource:
    def __init__(self, path: str) -> None:
        self.path = Path(path).expanduser().resolve()
        self.name = str(self.path)
        self.stateful = False

    def items(self, session: Session) -> Iterator[SourceItem]:
        from ingest.sources.files import iter_path

        return iter_path(self.path)

    def done(self, session: Session, item: SourceItem) -> None:
        pass

    def total_bytes(self) -> int | None:
        if self.path.is_file():
            return self.path.stat().st_size
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())


class SourceError(ValueError):
    """The job's source description cannot be used."""


def open_sources(spec: dict[str, Any]) -> list[Source]:
    kind = spec.get("type")
    if kind == "path":
        paths = spec.get("paths") or []
        if not paths:
            raise SourceError("a path source needs at least one path")
        missing = [p for p in paths if not Path(p).expanduser().exists()]
        if missing:
            raise SourceError(f"no such file or folder: {', '.join(missing)}")
        return [PathSource(p) for p in paths]
    if kind == "imap":
        from ingest.sources.imap import ImapSource

        return [ImapSource.from_spec(spec)]
    raise SourceError(f"unknown source type {kind!r}: use 'path' or 'imap'")
