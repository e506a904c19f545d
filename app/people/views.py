"""What the people API and the directory pages show: one set of queries for both."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import Person, PersonCustodian, PersonEmail, PersonStatus
from app.people.schemas import EmailOut, PersonOut, PersonRef


def directory(status: PersonStatus | None = None, department: str | None = None,
              q: str | None = None) -> Select[Any]:
    """People by name; `q` matches part of the name, any case."""
    query = select(Person).order_by(Person.name, Person.id)
    if status is not None:
        query = query.where(Person.status == status)
    if department is not None:
        query = query.where(func.lower(Person.department) == department.strip().lower())
    if q is not None and q.strip():
        escaped = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Person.name).like(f"%{escaped}%", escape="\\"))
    return query


def shown(session: Session, people: list[Person]) -> list[PersonOut]:
    """People with their addresses, custodian names and supervisor, in four queries."""
    ids = [p.id for p in people]
    emails: dict[uuid.UUID, list[EmailOut]] = {i: [] for i in ids}
    for email in session.scalars(select(PersonEmail).where(PersonEmail.person_id.in_(ids))
                                 .order_by(PersonEmail.current.desc(), PersonEmail.address)):
        emails[email.person_id].append(EmailOut.model_validate(email))
    names: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    for mapped in session.scalars(select(PersonCustodian)
                                  .where(PersonCustodian.person_id.in_(ids))
                                  .order_by(PersonCustodian.custodian)):
        names[mapped.person_id].append(mapped.custodian)
    bosses = {p.supervisor_id for p in people if p.supervisor_id}
    boss_names = dict(session.execute(select(Person.id, Person.name)
                                      .where(Person.id.in_(bosses))).all())
    return [PersonOut(
        id=p.id, name=p.name, department=p.department, title=p.title, status=p.status,
        departed_on=p.departed_on, emails=emails[p.id], custodians=names[p.id],
        supervisor=PersonRef(id=p.supervisor_id, name=boss_names[p.supervisor_id])
        if p.supervisor_id else None, created_at=p.created_at) for p in people]


def one(session: Session, found: Person) -> PersonOut:
    return shown(session, [found])[0]




CHOICES_MAX = 500


def choices(session: Session) -> list[PersonOut]:
    """The directory as a form offers it to pick custodians or a supervisor (by name)."""
    return shown(session, list(session.scalars(directory().limit(CHOICES_MAX))))

