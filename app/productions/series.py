"""Bates series: a prefix for the city or one matter, its width, and the next number it stamps.

Any clerk, attorney or admin may add one (the city's series is the clerk's office's, a
matter's the attorney's; which productions may use which is not restricted: a prefix
names itself). The next number moves only when a production is finalized.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.errors import BadRequest, Conflict, NotFound
from app.models import BatesSeries
from app.productions.schemas import SeriesIn


def label(series: BatesSeries, number: int) -> str:
    """A Bates number as stamped: the prefix and the zero-padded number (CITY000042)."""
    return f"{series.prefix}{number:0{series.digits}d}"


def snapshot(series: BatesSeries) -> dict[str, Any]:
    return {"prefix": series.prefix, "digits": series.digits, "next_number": series.next_number,
            "endorsement": series.endorsement}


def series_of(session: Session, series_id: uuid.UUID) -> BatesSeries:
    found = session.get(BatesSeries, series_id)
    if found is None:
        raise NotFound("No Bates series has this id.")
    return found


def every(session: Session) -> list[BatesSeries]:
    return list(session.scalars(select(BatesSeries).order_by(BatesSeries.prefix)))


def create(session: Session, actor: Actor, body: SeriesIn) -> BatesSeries:
    if session.scalar(select(BatesSeries.id).where(BatesSeries.prefix == body.prefix)):
        raise Conflict(f"A Bates series with the prefix {body.prefix} exists: its numbers "
                       "continue across productions, use it.")
    if len(str(body.next_number)) > body.digits:
        raise BadRequest(f"{body.next_number} does not fit in {body.digits} digits.")
    series = BatesSeries(prefix=body.prefix, digits=body.digits, next_number=body.next_number,
                         endorsement=body.endorsement.strip(), version=1)
    session.add(series)
    session.flush()
    audit.record(session, actor, "bates_series.create", "bates_series", series.id,
                 after=snapshot(series))
    return series
