"""Anchors: the trail's head (seq, hash, time) kept outside Custodia, so a cut tail shows.

The chain proves every entry follows from the one before it, but deleting the newest
entries leaves a shorter chain that is still intact. An anchor line written elsewhere
(a file on another machine, the auditors' mailboxes) names an entry and its hash:
`verify --anchors` then finds the trail ending before that entry, or holding another.

An anchor line is `SEQ HASH TIME`: the entry's number, its SHA-256, and the UTC time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEntry

_LINE = re.compile(r"^([1-9][0-9]{0,17}) ([0-9a-f]{64}) ([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z)$")
MAX_FILE_BYTES = 64 * 2**20


class AnchorsUnreadable(Exception):
    """The anchors file is missing or is not anchor lines; the message says where."""


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str  # UTC, as written
    line: int = 0  # in the file read

    def text(self) -> str:
        return f"{self.seq} {self.hash} {self.at}"


def anchor_of(seq: int, digest: str, now: datetime) -> Anchor:
    return Anchor(seq, digest, now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def append(path: Path, anchor: Anchor) -> None:
    """Add the line at the end of `path` (created if new; never truncated), durably."""
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, f"{anchor.text()}\n".encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read(path: Path) -> list[Anchor]:
    """Every anchor line of the file; blank lines are skipped, anything else is refused."""
    try:
        if not path.is_file():
            raise AnchorsUnreadable(f"the anchors file {path} does not exist or is not a file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise AnchorsUnreadable(f"the anchors file {path} is over {MAX_FILE_BYTES} bytes")
        text = path.read_bytes().decode("ascii")
    except UnicodeDecodeError:
        raise AnchorsUnreadable(f"the anchors file {path} is not plain ASCII anchor lines") from None
    except OSError as exc:
        raise AnchorsUnreadable(f"cannot read the anchors file {path}: {exc.strerror}") from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.fullmatch(line.strip())
        if match is None:
            raise AnchorsUnreadable(
                f"line {number} of {path} is not an anchor (SEQ HASH TIME, e.g. "
                f"'42 {'0' * 64} 2026-01-31T17:00:00Z')")
        found.append(Anchor(int(match[1]), match[2], match[3], number))
    if not found:
        raise AnchorsUnreadable(f"the anchors file {path} holds no anchor lines")
    return found


def _chunks(anchors: list[Anchor], size: int = 500) -> Iterator[list[Anchor]]:
    for start in range(0, len(anchors), size):
        yield anchors[start:start + size]


def broken_anchor(session: Session, anchors: list[Anchor]) -> str | None:
    """What the first anchor the trail no longer matches says happened, or None."""
    head = session.scalar(select(func.max(AuditEntry.seq))) or 0
    for chunk in _chunks(anchors):
        wanted = select(AuditEntry.seq, AuditEntry.hash).where(
            AuditEntry.seq.in_({a.seq for a in chunk}))
        hashes = dict(session.execute(wanted).tuples().all())
        for anchor in chunk:
            where = f"the anchor on line {anchor.line} ({anchor.at}) names entry {anchor.seq}"
            if anchor.seq > head:
                return (f"the tail was TRUNCATED after an anchor: {where}, but the trail "
                        f"now ends at entry {head}")
            if hashes.get(anchor.seq) != anchor.hash:
                return (f"the tail was REWRITTEN after an anchor: {where} with hash "
                        f"{anchor.hash}, but that entry now has hash {hashes.get(anchor.seq)}")
    return None
