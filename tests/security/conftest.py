"""A city with some records in it, for attackers to try their luck against."""

from __future__ import annotations

from sqlalchemy import select

from app.core.db import Database
from app.models import AuditEntry


def trail(database: Database) -> list[str]:
    """The actions in the audit trail, in order."""
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
