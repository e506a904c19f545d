"""Holds from draft to release, every change audited with before and after.

An attorney drafts a hold (matter, custodians, scope), issues it (it becomes active
and its membership is materialized), may rescope it while active (membership is
recomputed), and releases it (its rows go; documents another active hold covers
stay held). `version` is the optimistic lock: two attorneys editing one hold at
once get a 409, never a lost update.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.settings import Settings
from app.holds import membership, notices
from app.holds.schemas import HoldIn, HoldPatch
from app.models import HeldDocument, Hold, HoldCustodian, HoldStatus, Person
from app.search.service import parse_query
from search.engines import SearchEngine

SCOPE = ("date_from", "date_to", "query", "sources")
MATTER = ("matter_name", "matter_number", "description", "reminder_days", "escalation_days")


def hold_of(session: Session, hold_id: uuid.UUID) -> Hold:
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound("No hold has this id.")
    return hold


def custodians(session: Session, hold: Hold) -> list[uuid.UUID]:
    return sorted(session.scalars(select(HoldCustodian.person_id)
                                  .where(HoldCustodian.hold_id == hold.id)))


def snapshot(session: Session, hold: Hold) -> dict[str, Any]:
    """What the audit trail records of a hold."""
    return {**{name: getattr(hold, name) for name in (*MATTER, *SCOPE, "status", "attorney",
                                                      "scope_version", "version")},
            "custodians": [str(c) for c in custodians(session, hold)]}


def _checked(session: Session, people: list[uuid.UUID], query: str) -> None:
    if len(set(people)) != len(people):
        raise BadRequest("A custodian is named twice.")
    known = set(session.scalars(select(Person.id).where(Person.id.in_(people)))) if people else set()
    if missing := [str(p) for p in people if p not in known]:
        raise BadRequest(f"No person has the id {', '.join(missing)}.", unknown=missing)
    if query.strip():
        parse_query(query)  # a 400 that says where the query is wrong


def _check_dates(hold: Hold) -> None:
    if hold.date_from and hold.date_to and hold.date_from > hold.date_to:
        raise BadRequest("The scope's date_from is after its date_to.")


def _set_custodians(session: Session, hold: Hold, people: list[uuid.UUID]) -> None:
    session.execute(delete(HoldCustodian).where(HoldCustodian.hold_id == hold.id))
    if people:
        session.execute(insert(HoldCustodian),
                        [{"hold_id": hold.id, "person_id": p} for p in people])


def create(session: Session, actor: Actor, body: HoldIn) -> Hold:
    _checked(session, body.custodians, body.query)
    hold = Hold(matter_name=body.matter_name, matter_number=body.matter_number,
                description=body.description, attorney=actor.name, status=HoldStatus.draft,
                date_from=body.date_from, date_to=body.date_to, query=body.query,
                sources=body.sources, scope_version=1, released_reason="",
                reminder_days=body.reminder_days, escalation_days=body.escalation_days)
    _check_dates(hold)
    session.add(hold)
    session.flush()
    _set_custodians(session, hold, body.custodians)
    audit.record(session, actor, "hold.create", "hold", hold.id, after=snapshot(session, hold))
    return hold


def save(session: Session, hold: Hold) -> None:
    """Flush, answering 409 when another transaction saved this hold meanwhile."""
    name = hold.matter_name
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(f"The hold {name} was changed by someone else meanwhile; reload it "
                       "and try again.") from exc


def _check_version(hold: Hold, version: int) -> None:
    if version != hold.version:
        raise Conflict(f"The hold {hold.matter_name} has changed since you read it (you sent "
                       f"version {version}; it is at version {hold.version}); reload it and "
                       "try again.", current_version=hold.version)


def update(session: Session, engine: SearchEngine, settings: Settings, actor: Actor, hold: Hold,
           body: HoldPatch) -> Hold:
    """Edit a draft or active hold. A scope change on an active hold recomputes what it
    holds and re-issues its notice, asking every custodian to acknowledge again."""
    _check_version(hold, body.version)
    if hold.status == HoldStatus.released:
        raise Conflict("A released hold cannot change; draft a new one.")
    before = snapshot(session, hold)
    sent = body.model_dump(exclude_unset=True, exclude={"version"})
    people = sent.pop("custodians", None)
    if people == [] and hold.status == HoldStatus.active:
        raise Conflict("An active hold keeps at least one custodian; release it instead.")
    _checked(session, people or [], sent.get("query", ""))
    for name, value in sent.items():
        setattr(hold, name, value)
    _check_dates(hold)
    if people is not None:
        _set_custodians(session, hold, people)
    rescoped = any(before[name] != getattr(hold, name) for name in SCOPE) or (
        people is not None and sorted(map(str, people)) != before["custodians"])
    if rescoped:
        hold.scope_version += 1  # also makes a custodians-only change bump `version`
    save(session, hold)
    counts = {}
    if rescoped and hold.status == HoldStatus.active:
        added, removed = membership.materialize(
            session, hold, membership.covered(session, engine, hold, settings.zone))
        counts = {"documents_added": added, "documents_freed": removed}
    audit.record(session, actor, "hold.rescope" if rescoped else "hold.update", "hold", hold.id,
                 before=before, after=snapshot(session, hold), **counts)
    if rescoped and hold.status == HoldStatus.active:
        notices.ask_custodians(session, settings, actor, hold)
    return hold


def issue(session: Session, engine: SearchEngine, settings: Settings, actor: Actor, hold: Hold,
          version: int) -> int:
    """Activate a draft hold, hold what it covers and notice its custodians; returns the
    documents held."""
    _check_version(hold, version)
    if hold.status != HoldStatus.draft:
        raise Conflict(f"Only a draft hold can be issued; this one is {hold.status.value}.")
    if not custodians(session, hold):
        raise Conflict("A hold needs at least one custodian before it is issued.")
    before = snapshot(session, hold)
    hold.status, hold.issued_at = HoldStatus.active, clock_of(session).now()
    save(session, hold)
    added, _ = membership.materialize(session, hold,
                                      membership.covered(session, engine, hold, settings.zone))
    audit.record(session, actor, "hold.issue", "hold", hold.id, before=before,
                 after=snapshot(session, hold), documents_held=added)
    notices.ask_custodians(session, settings, actor, hold)
    return added


def release(session: Session, settings: Settings, actor: Actor, hold: Hold, version: int,
            reason: str) -> int:
    """End an active hold and tell its custodians; returns how many of its documents no
    other hold keeps."""
    _check_version(hold, version)
    if hold.status != HoldStatus.active:
        raise Conflict(f"Only an active hold can be released; this one is {hold.status.value}.")
    before = snapshot(session, hold)
    mine = membership.held(session, hold)
    hold.status, hold.released_at = HoldStatus.released, clock_of(session).now()
    hold.released_reason = reason
    save(session, hold)
    membership.free(session, hold)
    still = set(membership.holds_of(session, mine))
    audit.record(session, actor, "hold.release", "hold", hold.id, before=before,
                 after=snapshot(session, hold), reason=reason, documents_released=len(mine),
                 documents_freed=len(mine - still))
    notices.tell_released(session, settings, actor, hold)
    return len(mine - still)


def held_count(session: Session, hold: Hold) -> int:
    return int(session.scalar(select(func.count()).select_from(HeldDocument)
                              .where(HeldDocument.hold_id == hold.id)) or 0)
