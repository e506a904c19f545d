"""Public bodies and their members: kept by admins, every change audited."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.errors import BadRequest, Conflict, NotFound
from app.meetings.schemas import BodyIn, BodyOut, BodyPatch, MemberEnd, MemberIn, MemberOut
from app.models import BodyMembership, Person, PersonEmail, PublicBody


def majority(seats: int) -> int:
    return seats // 2 + 1


def bodies(session: Session) -> list[PublicBody]:
    return list(session.scalars(select(PublicBody).order_by(PublicBody.name)))


def body(session: Session, body_id: uuid.UUID) -> PublicBody:
    found = session.get(PublicBody, body_id)
    if found is None:
        raise NotFound("No public body with that id.")
    return found


def terms_of(session: Session, body_id: uuid.UUID
             ) -> tuple[list[tuple[BodyMembership, str]], dict[uuid.UUID, list[str]]]:
    """A body's terms with each member's name, and the members' directory addresses."""
    rows = [(m, name) for m, name in session.execute(
        select(BodyMembership, Person.name).join(Person, Person.id == BodyMembership.person_id)
        .where(BodyMembership.body_id == body_id)
        .order_by(BodyMembership.starts_on, Person.name))]
    addresses: dict[uuid.UUID, list[str]] = {}
    for email in session.scalars(select(PersonEmail).where(
            PersonEmail.person_id.in_({m.person_id for m, _ in rows})).order_by(PersonEmail.address)):
        addresses.setdefault(email.person_id, []).append(email.address)
    return rows, addresses


def shown(session: Session, found: PublicBody) -> BodyOut:
    rows, addresses = terms_of(session, found.id)
    members = [MemberOut(id=m.id, person_id=m.person_id, name=name, seat=m.seat,
                         starts_on=m.starts_on, ends_on=m.ends_on,
                         addresses=addresses.get(m.person_id, [])) for m, name in rows]
    return BodyOut(id=found.id, name=found.name, kind=found.kind, seats=found.seats,
                   quorum=found.quorum, members=members)


def _snapshot(session: Session, found: PublicBody) -> dict[str, Any]:
    return shown(session, found).model_dump(mode="json")


def _check_quorum(seats: int, quorum: int) -> None:
    if quorum > seats:
        raise BadRequest(f"A quorum of {quorum} is more than the body's {seats} seats.")


def _free_name(session: Session, name: str, other_than: uuid.UUID | None = None) -> None:
    taken = session.scalar(select(PublicBody.id).where(PublicBody.name == name))
    if taken is not None and taken != other_than:
        raise Conflict(f"There is already a public body called {name!r}.")


def create(session: Session, actor: Actor, sent: BodyIn) -> PublicBody:
    quorum = sent.quorum if sent.quorum is not None else majority(sent.seats)
    _check_quorum(sent.seats, quorum)
    _free_name(session, sent.name)
    found = PublicBody(name=sent.name, kind=sent.kind, seats=sent.seats, quorum=quorum)
    session.add(found)
    session.flush()
    audit.record(session, actor, "public_body.create", "public_body", found.id,
                 after=_snapshot(session, found))
    return found


def update(session: Session, actor: Actor, found: PublicBody, patch: BodyPatch) -> PublicBody:
    for name in patch.model_fields_set:
        if getattr(patch, name) is None:
            raise BadRequest(f"{name} cannot be null; send a value or leave it out.")
    before = _snapshot(session, found)
    seats = patch.seats if patch.seats is not None else found.seats
    quorum = patch.quorum if patch.quorum is not None else found.quorum
    _check_quorum(seats, quorum)
    if patch.name is not None:
        _free_name(session, patch.name, found.id)
        found.name = patch.name
    if patch.kind is not None:
        found.kind = patch.kind
    found.seats, found.quorum = seats, quorum
    session.flush()
    audit.record(session, actor, "public_body.update", "public_body", found.id, before=before,
                 after=_snapshot(session, found))
    return found


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


def add_member(session: Session, actor: Actor, found: PublicBody, sent: MemberIn) -> PublicBody:
    if session.get(Person, sent.person_id) is None:
        raise BadRequest("No person with that person_id in the directory; add them first.")
    if sent.ends_on is not None and sent.ends_on < sent.starts_on:
        raise BadRequest(f"ends_on {sent.ends_on} is before starts_on {sent.starts_on}.")
    for term in session.scalars(select(BodyMembership).where(
            BodyMembership.body_id == found.id, BodyMembership.person_id == sent.person_id)):
        if _overlaps(term.starts_on, term.ends_on, sent.starts_on, sent.ends_on):
            raise Conflict(f"That person already sits on {found.name} from {term.starts_on}"
                           + (f" to {term.ends_on}" if term.ends_on else "") + ".")
    before = _snapshot(session, found)
    session.add(BodyMembership(body_id=found.id, person_id=sent.person_id, seat=sent.seat,
                               starts_on=sent.starts_on, ends_on=sent.ends_on))
    session.flush()
    audit.record(session, actor, "public_body.member_add", "public_body", found.id,
                 before=before, after=_snapshot(session, found))
    return found


def end_member(session: Session, actor: Actor, found: PublicBody, membership_id: uuid.UUID,
               sent: MemberEnd) -> PublicBody:
    term = session.get(BodyMembership, membership_id)
    if term is None or term.body_id != found.id:
        raise NotFound(f"No membership with that id on {found.name}.")
    if term.ends_on is not None:
        raise Conflict(f"That term already ended on {term.ends_on}.")
    if sent.ends_on < term.starts_on:
        raise BadRequest(f"ends_on {sent.ends_on} is before the term began ({term.starts_on}).")
    before = _snapshot(session, found)
    term.ends_on = sent.ends_on
    session.flush()
    audit.record(session, actor, "public_body.member_end", "public_body", found.id,
                 before=before, after=_snapshot(session, found))
    return found
