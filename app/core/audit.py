"""Appending to the audit trail: who acts, how an entry is hashed, and the append itself.

Every layer that changes state records it here (workers too), so it is plumbing.
An entry is appended as its transaction's last write (app.core.db.write_last): just
before a change commits, or at the end of a read. So the lock that orders the chain
is held only for the append, never while a route searches or reads. Reading and
verifying the trail is the audit domain's (app.audit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.core.clock import clock_of
from app.core.db import write_last
from app.core.hashing import sha256
from app.models import AuditEntry

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    *,
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    client_address: str,
    request_id: str,
    details: dict[str, Any],
) -> str:
    """SHA-256 of the previous hash and every field of the entry, canonically encoded."""
    body = canonical_json(
        {
            "seq": seq,
            "occurred_at": occurred_at.isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "client_address": client_address,
            "request_id": request_id,
            "details": details,
        }
    )
    return sha256(f"{prev_hash}\n{body}")


# Any fixed 64-bit number: the PostgreSQL advisory lock that serializes appends.
_APPEND_LOCK_KEY = 0x637573746F646961  # "custodia"


@dataclass(frozen=True)
class Actor:
    """Who acts and from where: a signed-in user, a city system, or the CLI."""

    name: str
    client_address: str
    request_id: str
    user_id: str | None = None


def jsonable(value: Any) -> Any:
    """Details as they will read back from the database (UUIDs, dates as strings)."""
    return json.loads(json.dumps(value, default=str))


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: Any = None,
    after: Any = None,
    **details: Any,
) -> None:
    """Queue one entry for the caller's transaction; it is chained when the transaction ends.

    The entry is timed now, when the action happens; it lands with the transaction
    or not at all.
    """
    if before is not None:
        details["before"] = before
    if after is not None:
        details["after"] = after
    if actor.user_id is not None:
        details.setdefault("actor_id", actor.user_id)
    write_last(session, _append, {
        "occurred_at": clock_of(session).now(),
        "actor": actor.name,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "client_address": actor.client_address,
        "request_id": actor.request_id,
        "details": jsonable(details),
    })


def _append(session: Session, entries: list[dict[str, Any]]) -> None:
    """Chain the queued entries to the current head, under the append lock."""
    _lock_head(session)
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS_HASH)
    for queued in entries:
        fields = {"seq": seq, **queued}
        digest = entry_hash(prev_hash=prev_hash, **fields)
        session.add(AuditEntry(**fields, prev_hash=prev_hash, hash=digest))
        seq, prev_hash = seq + 1, digest
    session.flush()


def _lock_head(session: Session) -> None:
    # SQLite transactions already hold the write lock (BEGIN IMMEDIATE, see app.core.db).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK_KEY})
