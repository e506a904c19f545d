"""The one check every deletion path makes first: a held document is never deleted.

API delete, retention purge, re-ingest clean-up and off-boarding all call
`refuse_if_held`; the database's triggers refuse what any other code would try.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.core.errors import Conflict
from app.holds.membership import holds_of


class Held(Conflict):
    code = "document_held"


def refuse_if_held(session: Session, document_ids: Iterable[uuid.UUID], doing: str) -> None:
    """Raise 409 naming the holds when any of these documents is held."""
    found = holds_of(session, document_ids)
    if not found:
        return
    holds = {hold.id: hold for listed in found.values() for hold in listed}
    names = "; ".join(f"{h.matter_name}" + (f" ({h.matter_number})" if h.matter_number else "")
                      for h in holds.values())
    raise Held(f"Cannot {doing}: {len(found)} of these documents are under legal hold ({names}).",
               holds=[{"id": str(h.id), "matter_name": h.matter_name,
                       "matter_number": h.matter_number} for h in holds.values()],
               documents=sorted(str(d) for d in found))
