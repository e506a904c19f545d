"""Read the audit trail: filter, stream and verify it. Entries are written by app.core.audit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.audit.chain import Verdict, verify_chain
from app.core import audit
from app.core.audit import Actor
from app.core.time import as_utc
from app.models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        for column, value in (
            (AuditEntry.actor, self.actor),
            (AuditEntry.action, self.action),
            (AuditEntry.object_type, self.object_type),
            (AuditEntry.object_id, self.object_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if self.since is not None:
            query = query.where(AuditEntry.occurred_at >= as_utc(self.since))
        if self.until is not None:
            query = query.where(AuditEntry.occurred_at < as_utc(self.until))
        return query


def listed(where: AuditFilter, *, newest_first: bool = False) -> Select[Any]:
    """The entries `where` lets through, in chain order (or newest first), for paginate."""
    query = where.apply(select(AuditEntry))
    return query.order_by(AuditEntry.seq.desc() if newest_first else AuditEntry.seq)


def stream(session: Session, where: AuditFilter) -> Iterator[AuditEntry]:
    yield from session.scalars(listed(where).execution_options(yield_per=1000))


def verify(session: Session, actor: Actor | None = None) -> Verdict:
    """Recompute the chain; a person's verification (`actor`) is itself audited, with its
    verdict (the CLI's, run on the server, is not)."""
    verdict = verify_chain(stream(session, AuditFilter()))
    if actor is not None:
        audit.record(session, actor, "audit.verify", "audit", "trail", intact=verdict.intact,
                     entries_checked=verdict.entries_checked, head_seq=verdict.head_seq,
                     first_broken_seq=verdict.first_broken_seq)
    return verdict
