"""The grounds to withhold that reviewers may cite: rows the administrators maintain."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.settings import Settings
from app.models import Citation
from app.review.schemas import CitationChange, CitationIn, CitationOut


class UnknownCitation(BadRequest):
    code = "unknown_citation"


class RetiredCitation(BadRequest):
    code = "citation_not_in_force"


def today(session: Session, settings: Settings) -> date:
    """The city's date now: citations and rates take effect on local days."""
    return clock_of(session).now().astimezone(settings.zone).date()


def in_force(citation: Citation, on: date) -> bool:
    return citation.effective_from <= on and (citation.retired_on is None
                                              or on < citation.retired_on)


def show(citation: Citation, on: date) -> CitationOut:
    return CitationOut(id=citation.id, code=citation.code, title=citation.title,
                       kind=citation.kind, note=citation.note,
                       effective_from=citation.effective_from, retired_on=citation.retired_on,
                       in_force=in_force(citation, on))


def _snapshot(citation: Citation) -> dict[str, Any]:
    return {"code": citation.code, "title": citation.title, "kind": citation.kind.value,
            "note": citation.note, "effective_from": citation.effective_from.isoformat(),
            "retired_on": citation.retired_on.isoformat() if citation.retired_on else None}


def usable(session: Session, code: str, on: date) -> Citation:
    """The citation with this code, if it may be cited on `on`; else a 400 that says why."""
    citation = session.scalar(select(Citation).where(Citation.code == code))
    if citation is None:
        raise UnknownCitation(f"No citation has the code {code!r}: see GET /api/v1/citations.",
                              citation=code)
    if not in_force(citation, on):
        raise RetiredCitation(f"Citation {code} is not in force on {on.isoformat()}.",
                              citation=code)
    return citation


def by_code() -> Select[Citation]:
    """Every citation, in force or not, by code (the query, for paging)."""
    return select(Citation).order_by(Citation.code)


def every(session: Session) -> list[Citation]:
    return list(session.scalars(by_code()))


def get(session: Session, citation_id: uuid.UUID) -> Citation:
    citation = session.get(Citation, citation_id)
    if citation is None:
        raise NotFound("No citation with that id.")
    return citation


def _check_dates(effective_from: date, retired_on: date | None) -> None:
    if retired_on is not None and retired_on <= effective_from:
        raise BadRequest("A citation must be retired after the day it takes effect.",
                         effective_from=effective_from.isoformat(),
                         retired_on=retired_on.isoformat())


def create(session: Session, actor: Actor, body: CitationIn) -> Citation:
    if session.scalar(select(Citation.id).where(Citation.code == body.code)) is not None:
        raise Conflict(f"A citation with the code {body.code!r} exists: edit it instead.")
    _check_dates(body.effective_from, body.retired_on)
    citation = Citation(**body.model_dump())
    session.add(citation)
    session.flush()
    audit.record(session, actor, "citation.create", "citation", citation.id,
                 after=_snapshot(citation))
    return citation


def change(session: Session, actor: Actor, citation_id: uuid.UUID,
           body: CitationChange) -> Citation:
    """Edit a citation; setting retired_on retires it (an explicit null brings it back)."""
    citation = get(session, citation_id)
    before = _snapshot(citation)
    fields = body.model_dump(exclude_unset=True)
    for name in ("title", "kind", "note", "effective_from"):
        if fields.get(name) is None:
            fields.pop(name, None)  # null means unchanged for these
    _check_dates(fields.get("effective_from", citation.effective_from),
                 fields.get("retired_on", citation.retired_on))
    for name, value in fields.items():
        setattr(citation, name, value)
    session.flush()
    after = _snapshot(citation)
    if after != before:
        retiring = before["retired_on"] is None and after["retired_on"] is not None
        audit.record(session, actor, "citation.retire" if retiring else "citation.update",
                     "citation", citation.id, before=before, after=after)
    return citation
