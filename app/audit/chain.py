"""How the whole chain is checked (each entry is hashed as app.core.audit defines)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.core.audit import GENESIS_HASH, entry_hash


class ChainedEntry(Protocol):
    """What verification reads of an entry (the ORM model satisfies it)."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    client_address: str
    request_id: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verdict:
    intact: bool
    entries_checked: int
    head_seq: int | None = None
    head_hash: str | None = None
    first_broken_seq: int | None = None
    problem: str | None = None


def verify_chain(entries: Iterable[ChainedEntry]) -> Verdict:
    """Walk entries in seq order; name the first one that does not follow from its predecessor."""
    expected_seq, expected_prev = 1, GENESIS_HASH
    checked = 0
    for entry in entries:
        problem = None
        if entry.seq != expected_seq:
            problem = (f"expected entry {expected_seq} but found {entry.seq}: "
                       "entries are missing or reordered")
        elif entry.prev_hash != expected_prev:
            problem = ("its link to the previous entry does not match: "
                       "an entry before it was changed, removed or reordered")
        elif entry.hash != recompute(entry):
            problem = "its contents do not match its hash: the entry was changed"
        if problem:
            return Verdict(False, checked, expected_seq - 1, expected_prev, entry.seq, problem)
        checked += 1
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    head_seq = expected_seq - 1 if checked else None
    return Verdict(True, checked, head_seq, expected_prev if checked else None)


def recompute(entry: ChainedEntry) -> str:
    return entry_hash(
        prev_hash=entry.prev_hash,
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        actor=entry.actor,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        client_address=entry.client_address,
        request_id=entry.request_id,
        details=entry.details,
    )
