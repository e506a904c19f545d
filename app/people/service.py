"""The custodian directory's changes, each audited, and the look-ups other domains use.

A person is never deleted: one who leaves is marked departed and keeps their
addresses and custodian names, so their mail can still be found and held.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.mail import checked_address
from app.models import Location, Person, PersonCustodian, PersonEmail, PersonStatus
from app.people.schemas import EmailIn, PersonIn, PersonPatch


class SupervisorCycle(BadRequest):
    code = "supervisor_cycle"


class AddressTaken(Conflict):
    code = "address_taken"


class CustodianTaken(Conflict):
    code = "custodian_taken"


def normalized(address: str) -> str:
    """An address as stored: one plain address (app.core.mail's rule), lower case."""
    return checked_address(address).lower()


def person(session: Session, person_id: uuid.UUID) -> Person:
    found = session.get(Person, person_id)
    if found is None:
        raise NotFound("No person with that id.")
    return found


def emails_of(session: Session, person_id: uuid.UUID) -> list[PersonEmail]:
    return list(session.scalars(select(PersonEmail).where(PersonEmail.person_id == person_id)
                                .order_by(PersonEmail.current.desc(), PersonEmail.address)))


def snapshot_of(found: Person, emails: dict[str, bool], custodians: Iterable[str]
                ) -> dict[str, Any]:
    """What an audit entry keeps of a person: every field, addresses and custodian names."""
    kept: dict[str, Any] = audit.jsonable({
        "name": found.name, "department": found.department, "title": found.title,
        "supervisor_id": found.supervisor_id, "status": found.status,
        "departed_on": found.departed_on, "emails": dict(sorted(emails.items())),
        "custodians": sorted(custodians),
    })
    return kept


def snapshot(session: Session, found: Person) -> dict[str, Any]:
    return snapshot_of(found, {e.address: e.current for e in emails_of(session, found.id)},
                       custodian_names(session, [found.id]))


def check_supervisor(session: Session, found: Person | None, supervisor_id: uuid.UUID) -> None:
    """The supervisor must be another existing person, and not one `found` supervises."""
    if found is not None and supervisor_id == found.id:
        raise SupervisorCycle("A person cannot be their own supervisor.")
    if session.get(Person, supervisor_id) is None:
        raise BadRequest("supervisor_id names no person.")
    if found is None:
        return
    seen: set[uuid.UUID] = set()
    current: uuid.UUID | None = supervisor_id
    while current is not None and current not in seen:
        if current == found.id:
            raise SupervisorCycle(f"{found.name} supervises that person (directly or through "
                                  "others); the change would make a cycle.")
        seen.add(current)
        current = session.scalar(select(Person.supervisor_id).where(Person.id == current))


def _add_email(session: Session, found: Person, email: EmailIn) -> str:
    address = normalized(email.address)
    owner = session.get(PersonEmail, address)
    if owner is not None:
        whose = "this person's" if owner.person_id == found.id else "another person's"
        raise AddressTaken(f"{address} is already {whose} address; an address belongs to one "
                           "person.", person_id=str(owner.person_id))
    session.add(PersonEmail(address=address, person_id=found.id, current=email.current))
    try:
        session.flush()
    except IntegrityError:  # taken by a transaction that committed meanwhile
        raise AddressTaken(f"{address} was just taken by another person.") from None
    return address


def _map(session: Session, found: Person, custodian: str) -> None:
    owner = session.get(PersonCustodian, custodian)
    if owner is not None:
        whose = "this person" if owner.person_id == found.id else "another person"
        raise CustodianTaken(f"The custodian name {custodian!r} is already mapped to {whose}; "
                             "one name maps to one person.", person_id=str(owner.person_id))
    session.add(PersonCustodian(custodian=custodian, person_id=found.id))
    try:
        session.flush()
    except IntegrityError:
        raise CustodianTaken(f"The custodian name {custodian!r} was just mapped to another "
                             "person.") from None


def create(session: Session, actor: Actor, body: PersonIn) -> Person:
    if body.supervisor_id is not None:
        check_supervisor(session, None, body.supervisor_id)
    addresses = [normalized(e.address) for e in body.emails]
    if len(set(addresses)) < len(addresses):
        raise BadRequest("The same address is listed twice.")
    if len(set(body.custodians)) < len(body.custodians):
        raise BadRequest("The same custodian name is listed twice.")
    found = Person(name=body.name, department=body.department, title=body.title,
                   supervisor_id=body.supervisor_id, status=PersonStatus.active)
    session.add(found)
    session.flush()
    for email in body.emails:
        _add_email(session, found, email)
    for custodian in body.custodians:
        _map(session, found, custodian)
    audit.record(session, actor, "person.create", "person", found.id,
                 after=snapshot(session, found))
    return found


def update(session: Session, actor: Actor, found: Person, patch: PersonPatch) -> Person:
    before = snapshot(session, found)
    sent = patch.model_fields_set
    for name in ("name", "department", "title"):
        value = getattr(patch, name)
        if name in sent and value is None:
            raise BadRequest(f"{name} cannot be null; send a value or leave it out.")
        if value is not None:
            setattr(found, name, value)
    if "supervisor_id" in sent:
        if patch.supervisor_id is not None:
            check_supervisor(session, found, patch.supervisor_id)
        found.supervisor_id = patch.supervisor_id
    session.flush()
    audit.record(session, actor, "person.update", "person", found.id, before=before,
                 after=snapshot(session, found))
    return found


def depart(session: Session, actor: Actor, found: Person, day: date, zone: ZoneInfo) -> Person:
    """Mark a person departed; their addresses and custodian names stay, as do their records."""
    today = clock_of(session).now().astimezone(zone).date()
    if day > today:
        raise BadRequest(f"departed_on {day} is in the future; the city's date is {today}.")
    if found.status == PersonStatus.departed:
        raise Conflict(f"{found.name} already departed on {found.departed_on}.")
    before = snapshot(session, found)
    found.status, found.departed_on = PersonStatus.departed, day
    session.flush()
    audit.record(session, actor, "person.depart", "person", found.id, before=before,
                 after=snapshot(session, found))
    return found


def add_email(session: Session, actor: Actor, found: Person, email: EmailIn) -> Person:
    before = snapshot(session, found)
    address = _add_email(session, found, email)
    audit.record(session, actor, "person.email_add", "person", found.id, address=address,
                 before=before, after=snapshot(session, found))
    return found


def _own_email(session: Session, found: Person, address: str) -> PersonEmail:
    email = session.get(PersonEmail, address.strip().lower())
    if email is None or email.person_id != found.id:
        raise NotFound("That address is not this person's.")
    return email


def set_email_current(session: Session, actor: Actor, found: Person, address: str,
                      current: bool) -> Person:
    email = _own_email(session, found, address)
    before = snapshot(session, found)
    email.current = current
    session.flush()
    audit.record(session, actor, "person.email_update", "person", found.id,
                 address=email.address, before=before, after=snapshot(session, found))
    return found


def remove_email(session: Session, actor: Actor, found: Person, address: str) -> Person:
    email = _own_email(session, found, address)
    before = snapshot(session, found)
    session.delete(email)
    session.flush()
    audit.record(session, actor, "person.email_remove", "person", found.id,
                 address=email.address, before=before, after=snapshot(session, found))
    return found


def map_custodian(session: Session, actor: Actor, found: Person, custodian: str) -> Person:
    before = snapshot(session, found)
    _map(session, found, custodian)
    audit.record(session, actor, "person.custodian_map", "person", found.id,
                 custodian=custodian, before=before, after=snapshot(session, found))
    return found


def unmap_custodian(session: Session, actor: Actor, found: Person, custodian: str) -> Person:
    mapped = session.get(PersonCustodian, custodian)
    if mapped is None or mapped.person_id != found.id:
        raise NotFound("That custodian name is not mapped to this person.")
    before = snapshot(session, found)
    session.delete(mapped)
    session.flush()
    audit.record(session, actor, "person.custodian_unmap", "person", found.id,
                 custodian=custodian, before=before, after=snapshot(session, found))
    return found


# What other domains (holds, requests) call.

def people_for_custodians(session: Session, names: Iterable[str]) -> dict[str, Person]:
    """The person each ingest custodian name maps to; names mapped to no one are left out."""
    wanted = set(names)
    if not wanted:
        return {}
    rows = session.execute(select(PersonCustodian.custodian, Person)
                           .join(Person, Person.id == PersonCustodian.person_id)
                           .where(PersonCustodian.custodian.in_(wanted)))
    return {custodian: found for custodian, found in rows}


def custodian_names(session: Session, person_ids: Iterable[uuid.UUID]) -> set[str]:
    """The Location.custodian values that are these people's mail."""
    ids = set(person_ids)
    if not ids:
        return set()
    return set(session.scalars(select(PersonCustodian.custodian)
                               .where(PersonCustodian.person_id.in_(ids))))


def unmapped_query() -> Select[Any]:
    """Distinct ingest custodian names no person claims, alphabetically."""
    claimed = exists().where(PersonCustodian.custodian == Location.custodian)
    return (select(Location.custodian).where(~claimed).distinct()
            .order_by(Location.custodian))


def unmapped_custodians(session: Session) -> list[str]:
    return list(session.scalars(unmapped_query()))
