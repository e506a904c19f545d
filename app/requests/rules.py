"""The clock's data, kept by administrators: rule sets and city closures (audited).

A rule set only ever governs requests not yet received: its effective date must be
after the clock's today (in the city's zone), so no received request is retimed by a
change of law. A closure changes the calendar at once: the due dates of every running
request are computed again, each change audited with its before and after.
"""

from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict, NotFound
from app.models import CityClosure, ClockRuleSet, RecordsRequest
from app.requests import timing
from app.requests.schemas import ClosureOut, Retimed, RuleSetIn, RuleSetOut
from app.requests.service import RUNNING, save


def rule_sets(session: Session) -> list[ClockRuleSet]:
    """Every rule set, oldest first; each governs requests received from its date on."""
    return list(session.scalars(select(ClockRuleSet).order_by(ClockRuleSet.effective_from)))


def closures(session: Session) -> list[CityClosure]:
    """Every day the city has closed, in date order."""
    return list(session.scalars(select(CityClosure).order_by(CityClosure.day)))


def add_rule_set(session: Session, actor: Actor, body: RuleSetIn, zone: ZoneInfo) -> ClockRuleSet:
    today = clock_of(session).now().astimezone(zone).date()
    if body.effective_from <= today:
        raise BadRequest(
            f"A rule set must take effect after today ({today}): requests already received "
            "keep the rule set they were timed by. To correct the rules in force, add a rule "
            "set from tomorrow and ask the city attorney about requests already running.")
    if session.scalar(select(ClockRuleSet.id).where(
            ClockRuleSet.effective_from == body.effective_from)):
        raise Conflict(f"A rule set already takes effect on {body.effective_from}.")
    overrides = {str(category): days.model_dump(exclude_none=True)
                 for category, days in body.category_overrides.items()}
    row = ClockRuleSet(**body.model_dump(exclude={"category_overrides"}),
                       category_overrides=overrides, added_by=actor.name)
    session.add(row)
    session.flush()
    audit.record(session, actor, "clock_rule_set.create", "clock_rule_set", row.id,
                 after=RuleSetOut.model_validate(row).model_dump(mode="json"))
    return row


def add_closure(session: Session, actor: Actor, day: date, name: str
                ) -> tuple[CityClosure, list[Retimed]]:
    if session.scalar(select(CityClosure.id).where(CityClosure.day == day)):
        raise Conflict(f"The city is already closed on {day}.")
    closure = CityClosure(day=day, name=name, added_by=actor.name)
    session.add(closure)
    session.flush()
    audit.record(session, actor, "city_closure.add", "city_closure", closure.id,
                 after=ClosureOut.model_validate(closure).model_dump(mode="json"))
    return closure, retime_running(session, actor, f"city closure added: {day} {name}")


def remove_closure(session: Session, actor: Actor, closure_id: uuid.UUID
                   ) -> tuple[CityClosure, list[Retimed]]:
    closure = session.get(CityClosure, closure_id)
    if closure is None:
        raise NotFound("No city closure with that id.")
    before = ClosureOut.model_validate(closure).model_dump(mode="json")
    session.delete(closure)
    session.flush()
    audit.record(session, actor, "city_closure.remove", "city_closure", closure_id, before=before)
    return closure, retime_running(session, actor,
                                   f"city closure removed: {closure.day} {closure.name}")


def retime_running(session: Session, actor: Actor, why: str) -> list[Retimed]:
    """Compute the due dates of every running request again; audit each that moved."""
    changes = []
    for request in session.scalars(select(RecordsRequest).where(
            RecordsRequest.status.in_(RUNNING)).order_by(RecordsRequest.number)):
        before, explained = timing.due_dates(request), request.clock
        timing.retime(session, request, timing.zone_of(request))
        after = timing.due_dates(request)
        if after == before and request.clock == explained:
            continue
        save(session, request)
        audit.record(session, actor, "request.retime", "records_request", request.id,
                     before=before, after=after, why=why)
        changes.append(Retimed(number=request.number, before=before, after=after))
    return changes
