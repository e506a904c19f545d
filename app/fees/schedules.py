"""The fee schedules: dated rows of rates, the one in effect on a day, and their edits."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.errors import Conflict, NotFound
from app.fees.rules import Rates
from app.fees.schemas import ScheduleChange, ScheduleIn, ScheduleOut
from app.models import FeeSchedule


def rates(schedule: FeeSchedule) -> Rates:
    return Rates(effective_from=schedule.effective_from, hourly_rate=schedule.hourly_rate,
                 free_minutes=schedule.free_minutes,
                 billing_increment_minutes=schedule.billing_increment_minutes,
                 per_page=schedule.per_page, electronic_delivery=schedule.electronic_delivery,
                 minutes_per_document=schedule.minutes_per_document, citation=schedule.citation)


def in_effect(session: Session, on: date) -> FeeSchedule:
    found = session.scalar(select(FeeSchedule).where(FeeSchedule.effective_from <= on)
                           .order_by(FeeSchedule.effective_from.desc()).limit(1))
    if found is None:
        raise NotFound(f"No fee schedule is in effect on {on.isoformat()}.")
    return found


def rates_on(session: Session, on: date) -> tuple[uuid.UUID, Rates]:
    """The schedule in effect on the city's day `on`: its id and its rates."""
    found = in_effect(session, on)
    return found.id, rates(found)


def _snapshot(schedule: FeeSchedule) -> dict[str, Any]:
    return ScheduleOut.model_validate(schedule).model_dump(mode="json", exclude={"id"})


def newest_first() -> Select[FeeSchedule]:
    """Every fee schedule, newest first (the query, for paging)."""
    return select(FeeSchedule).order_by(FeeSchedule.effective_from.desc())


def every(session: Session) -> list[FeeSchedule]:
    return list(session.scalars(newest_first()))


def get(session: Session, schedule_id: uuid.UUID) -> FeeSchedule:
    found = session.get(FeeSchedule, schedule_id)
    if found is None:
        raise NotFound("No fee schedule with that id.")
    return found


def create(session: Session, actor: Actor, body: ScheduleIn) -> FeeSchedule:
    """A new schedule, in effect from its day until the next one's."""
    taken = session.scalar(select(FeeSchedule.id)
                           .where(FeeSchedule.effective_from == body.effective_from))
    if taken is not None:
        raise Conflict(f"A fee schedule takes effect on {body.effective_from.isoformat()} "
                       "already: edit it instead.", schedule_id=str(taken))
    schedule = FeeSchedule(**body.model_dump())
    session.add(schedule)
    session.flush()
    audit.record(session, actor, "fee_schedule.create", "fee_schedule", schedule.id,
                 after=_snapshot(schedule))
    return schedule


def change(session: Session, actor: Actor, schedule_id: uuid.UUID,
           body: ScheduleChange) -> FeeSchedule:
    """Edit a schedule's rates. Estimates and invoices issued keep the lines they had."""
    schedule = get(session, schedule_id)
    before = _snapshot(schedule)
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(schedule, name, value)
    session.flush()
    after = _snapshot(schedule)
    if after != before:
        audit.record(session, actor, "fee_schedule.update", "fee_schedule", schedule.id,
                     before=before, after=after)
    return schedule
