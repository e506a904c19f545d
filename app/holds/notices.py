"""Hold notices: each custodian is told by e-mail and asked to acknowledge, reminded
until they do, their supervisor told after a while; a rescope asks again, a release
says the hold has ended.

Every notice goes through the outbox (app.core.mail.send_later) in the transaction of
the change that caused it, rendered from the current version of its kind's template in
the letters' sandbox, in an isolated child (app.letters.isolation). A custodian with no
current e-mail address gets no mail; the acknowledgement row says so (recipient "").
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import Conflict, NotFound
from app.core.hashing import sha256
from app.core.mail import send_later
from app.core.settings import Settings
from app.letters import isolation
from app.letters.render import Rendered
from app.letters.text import html_to_text
from app.models import (
    Hold,
    HoldAcknowledgement,
    HoldCustodian,
    HoldNotice,
    HoldNoticeTemplate,
    HoldStatus,
    NoticeKind,
    Person,
    PersonEmail,
)

CONTEXT_KEYS = frozenset({
    "city_name", "matter_name", "matter_number", "description", "attorney", "date_from",
    "date_to", "custodian_name", "acknowledge_url", "notified_on", "supervisor_name",
    "days_waiting", "reminders",
})
ACKNOWLEDGE_PATH = "/api/v1/portal/acknowledgements/"


def current_template(session: Session, kind: NoticeKind) -> HoldNoticeTemplate:
    return session.scalars(select(HoldNoticeTemplate).where(HoldNoticeTemplate.kind == kind)
                           .order_by(HoldNoticeTemplate.version.desc()).limit(1)).one()


def save_template(session: Session, settings: Settings, actor: Actor, kind: NoticeKind,
                  subject: str, body: str) -> HoldNoticeTemplate:
    """Save new wording as the kind's next version, once the letters' sandbox has checked it
    against the sample context (a 400 naming the line otherwise). Audited."""
    isolation.run("check", subject, body, [sample_context(settings)], CONTEXT_KEYS)
    current = current_template(session, kind)
    saved = HoldNoticeTemplate(kind=kind, version=current.version + 1, subject_template=subject,
                               body_template=body, created_by=actor.name)
    session.add(saved)
    session.flush()
    audit.record(session, actor, "hold_notice_template.edit", "hold_notice_template",
                 saved.id, before={"version": current.version}, after={"version": saved.version},
                 kind=kind)
    return saved


def preview(settings: Settings, subject: str, body: str) -> Rendered:
    """The wording checked as a save would check it, then filled with the sample context."""
    isolation.run("check", subject, body, [sample_context(settings)], CONTEXT_KEYS)
    rendered: list[Rendered] = isolation.run(
        "render_all", subject, body, [sample_context(settings)])
    return rendered[0]


def sample_context(settings: Settings) -> dict[str, Any]:
    """A full context, to check an edited template against."""
    return {"city_name": settings.city_name, "matter_name": "Sample v. City",
            "matter_number": "2026CV0001", "description": "A sample matter.",
            "attorney": "attorney", "date_from": "January 1, 2026", "date_to": None,
            "custodian_name": "Sam Sample", "notified_on": "March 2, 2026",
            "acknowledge_url": f"{settings.public_url}{ACKNOWLEDGE_PATH}sample",
            "supervisor_name": "Pat Supervisor", "days_waiting": 14, "reminders": 2}


def _address(session: Session, person_id: uuid.UUID) -> str:
    return session.scalar(select(PersonEmail.address).where(
        PersonEmail.person_id == person_id, PersonEmail.current.is_(True))
        .order_by(PersonEmail.address).limit(1)) or ""


def _day(moment: datetime | None, settings: Settings) -> str | None:
    return None if moment is None else moment.astimezone(settings.zone).strftime("%B %-d, %Y")


def _matter(hold: Hold, settings: Settings) -> dict[str, Any]:
    spoken = {"date_from": hold.date_from, "date_to": hold.date_to}
    return {"city_name": settings.city_name, "matter_name": hold.matter_name,
            "matter_number": hold.matter_number, "description": hold.description,
            "attorney": hold.attorney,
            **{k: v.strftime("%B %-d, %Y") if v else None for k, v in spoken.items()}}


Letter = tuple[Person, str, dict[str, Any], HoldAcknowledgement | None]


def _send(session: Session, settings: Settings, hold: Hold, kind: NoticeKind,
          letters: list[Letter]) -> list[HoldNotice]:
    """Render one kind of notice for each (person, address, context, acknowledgement it
    asks for) and queue it; each one asking gets a personal link of its own."""
    template = current_template(session, kind)
    tokens = [secrets.token_urlsafe(32) if ack is not None else None for *_, ack in letters]
    contexts = [{**dict.fromkeys(CONTEXT_KEYS), **_matter(hold, settings), **extra,
                 **({"acknowledge_url": f"{settings.public_url}{ACKNOWLEDGE_PATH}{token}"}
                    if token else {})}
                for (_, _, extra, _), token in zip(letters, tokens, strict=True)]
    rendered = isolation.run("render_all", template.subject_template, template.body_template,
                             contexts) if contexts else []
    sent = []
    for (person, address, _, ack), token, page in zip(letters, tokens, rendered, strict=True):
        message = send_later(session, [address], page.subject, html_to_text(page.html),
                             html=page.html, about=("hold", str(hold.id)))
        notice = HoldNotice(hold_id=hold.id, person_id=person.id, kind=kind,
                            template_id=template.id, recipient=address, subject=page.subject,
                            outbox_message_id=message.id,
                            acknowledgement_id=ack.id if ack is not None else None,
                            token_sha256=sha256(token) if token else None)
        session.add(notice)
        sent.append(notice)
    session.flush()
    return sent


def ask_custodians(session: Session, settings: Settings, actor: Actor, hold: Hold) -> int:
    """Notice every custodian of the hold's current scope with a personal link to
    acknowledge it; earlier scopes' open requests are superseded. Returns notices sent."""
    now = clock_of(session).now()
    for earlier in session.scalars(select(HoldAcknowledgement).where(
            HoldAcknowledgement.hold_id == hold.id, HoldAcknowledgement.superseded_at.is_(None),
            HoldAcknowledgement.scope_version < hold.scope_version)):
        earlier.superseded_at = now
    people = session.scalars(select(Person).join(HoldCustodian, HoldCustodian.person_id == Person.id)
                             .where(HoldCustodian.hold_id == hold.id).order_by(Person.name)).all()
    letters: list[Letter] = []
    unmailed = []
    for person in people:
        address = _address(session, person.id)
        ack = HoldAcknowledgement(
            hold_id=hold.id, person_id=person.id, scope_version=hold.scope_version,
            recipient=address, notified_at=now if address else None, answers={}, reminders=0,
            client_address="")
        session.add(ack)
        session.flush()
        if address:
            letters.append((person, address, {"custodian_name": person.name,
                                              "notified_on": _day(now, settings)}, ack))
        else:
            unmailed.append(str(person.id))
    sent = _send(session, settings, hold, NoticeKind.notice, letters)
    audit.record(session, actor, "hold.notices_send", "hold", hold.id,
                 scope_version=hold.scope_version, notices=len(sent),
                 recipients=[n.recipient for n in sent], without_address=unmailed)
    return len(sent)


def tell_released(session: Session, settings: Settings, actor: Actor, hold: Hold) -> int:
    """The release notice, to every custodian the hold named."""
    now = clock_of(session).now()
    for open_request in session.scalars(select(HoldAcknowledgement).where(
            HoldAcknowledgement.hold_id == hold.id, HoldAcknowledgement.superseded_at.is_(None),
            HoldAcknowledgement.acknowledged_at.is_(None))):
        open_request.superseded_at = now  # nobody is reminded of an ended hold
    people = session.scalars(select(Person).join(HoldCustodian, HoldCustodian.person_id == Person.id)
                             .where(HoldCustodian.hold_id == hold.id).order_by(Person.name)).all()
    letters: list[Letter] = [(p, a, {"custodian_name": p.name}, None) for p in people
                             if (a := _address(session, p.id))]
    sent = _send(session, settings, hold, NoticeKind.release, letters)
    audit.record(session, actor, "hold.release_notices_send", "hold", hold.id,
                 notices=len(sent), recipients=[n.recipient for n in sent])
    return len(sent)


def _system() -> Actor:
    return Actor("system:holds", "local", uuid.uuid4().hex)


def remind(session: Session, settings: Settings) -> dict[str, int]:
    """Reminders to custodians who have not acknowledged for reminder_days, and one
    escalation to the supervisor after escalation_days (the scheduler runs this)."""
    now = clock_of(session).now()
    waiting = session.execute(
        select(HoldAcknowledgement, Hold, Person)
        .join(Hold, Hold.id == HoldAcknowledgement.hold_id)
        .join(Person, Person.id == HoldAcknowledgement.person_id)
        .where(Hold.status == HoldStatus.active, HoldAcknowledgement.acknowledged_at.is_(None),
               HoldAcknowledgement.superseded_at.is_(None),
               HoldAcknowledgement.notified_at.is_not(None))
        .order_by(Hold.id, Person.name)).all()
    counts = {"reminders": 0, "escalations": 0}
    for ack, hold, person in waiting:
        assert ack.notified_at is not None
        since = now - (ack.last_reminded_at or ack.notified_at)
        if since >= timedelta(days=hold.reminder_days):
            ack.reminders, ack.last_reminded_at = ack.reminders + 1, now
            _send(session, settings, hold, NoticeKind.reminder, [(person, ack.recipient, {
                "custodian_name": person.name, "notified_on": _day(ack.notified_at, settings)},
                ack)])
            audit.record(session, _system(), "hold.reminder_send", "hold", hold.id,
                         person_id=str(person.id), recipient=ack.recipient,
                         reminders=ack.reminders)
            counts["reminders"] += 1
        if ack.escalated_at is None and now - ack.notified_at >= timedelta(days=hold.escalation_days):
            counts["escalations"] += _escalate(session, settings, hold, ack, person, now)
    return counts


def _escalate(session: Session, settings: Settings, hold: Hold, ack: HoldAcknowledgement,
              person: Person, now: datetime) -> int:
    supervisor = session.get(Person, person.supervisor_id) if person.supervisor_id else None
    address = _address(session, supervisor.id) if supervisor else ""
    ack.escalated_at = now  # once, whether or not there is someone to tell
    if supervisor is None or not address:
        audit.record(session, _system(), "hold.escalation_unsent", "hold", hold.id,
                     person_id=str(person.id), reason="no supervisor with a current address")
        return 0
    assert ack.notified_at is not None
    _send(session, settings, hold, NoticeKind.escalation, [(supervisor, address, {
        "custodian_name": person.name, "supervisor_name": supervisor.name,
        "notified_on": _day(ack.notified_at, settings),
        "days_waiting": (now - ack.notified_at).days, "reminders": ack.reminders}, None)])
    audit.record(session, _system(), "hold.escalation_send", "hold", hold.id,
                 person_id=str(person.id), supervisor_id=str(supervisor.id), recipient=address)
    return 1


def outstanding(session: Session, hold: Hold) -> int:
    return int(session.scalar(select(func.count()).select_from(HoldAcknowledgement).where(
        HoldAcknowledgement.hold_id == hold.id, HoldAcknowledgement.superseded_at.is_(None),
        HoldAcknowledgement.acknowledged_at.is_(None))) or 0)


QUESTIONS = {
    "personal_devices": "Personal phones, tablets or computers that hold records about it",
    "text_messages": "Text or chat messages about it, and on which accounts",
    "paper_files": "Paper files or notes about it, and where they are",
    "other_mailboxes": "Other mailboxes or shared drives that hold records about it",
    "other": "Anything else the City Attorney's Office should know",
}


def by_token(session: Session, token: str) -> tuple[HoldAcknowledgement, Hold, Person]:
    """The acknowledgement a link opens; NotFound alike for unknown, superseded and
    released: a wrong token learns nothing."""
    found = session.execute(
        select(HoldAcknowledgement, Hold, Person)
        .join(HoldNotice, HoldNotice.acknowledgement_id == HoldAcknowledgement.id)
        .join(Hold, Hold.id == HoldAcknowledgement.hold_id)
        .join(Person, Person.id == HoldAcknowledgement.person_id)
        .where(HoldNotice.token_sha256 == sha256(token),
               HoldAcknowledgement.superseded_at.is_(None), Hold.status == HoldStatus.active)).first()
    if found is None:
        raise NotFound(NO_LINK)
    ack, hold, person = found
    return ack, hold, person


NO_LINK = "No such acknowledgement link."


def acknowledge(session: Session, actor: Actor, token: str,
                answers: dict[str, str]) -> HoldAcknowledgement:
    ack, hold, person = by_token(session, token)
    if ack.acknowledged_at is not None:
        raise Conflict(f"{person.name} acknowledged this notice on "
                       f"{ack.acknowledged_at.isoformat()}; it needs no second answer.")
    before = {"acknowledged_at": None}
    ack.acknowledged_at, ack.client_address = clock_of(session).now(), actor.client_address
    ack.answers = answers
    session.flush()
    audit.record(session, actor, "hold.acknowledge", "hold", hold.id, before=before,
                 after={"acknowledged_at": ack.acknowledged_at}, person_id=str(person.id),
                 scope_version=ack.scope_version, answered=sorted(k for k, v in answers.items()
                                                                 if v))
    return ack
