"""A custodian's personal link to acknowledge a hold notice, for the API and the page alike:
the same throttle on unknown links, the same audit entries, the same answer."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.deps import client_address, request_id
from app.core.settings import Settings
from app.holds import notices
from app.holds.schemas import AcknowledgementPage
from app.portal.throttle import opened


def custodian(request: Request, session: Session, settings: Settings, token: str) -> Actor:
    """The custodian's actor, unless this address has guessed too many links (429);
    an unknown, superseded or ended link is NotFound, and counts as a guess."""
    ack, _, _ = opened(request, settings, clock_of(session).now(),
                       lambda: notices.by_token(session, token))
    return Actor(f"custodian {ack.person_id}", client_address(request), request_id(request))


def page(session: Session, token: str) -> AcknowledgementPage:
    ack, hold, person = notices.by_token(session, token)
    return AcknowledgementPage(
        matter_name=hold.matter_name, matter_number=hold.matter_number,
        description=hold.description, attorney=hold.attorney, custodian_name=person.name,
        notified_at=ack.notified_at, acknowledged_at=ack.acknowledged_at,
        questions=notices.QUESTIONS)


def view(session: Session, actor: Actor, token: str) -> AcknowledgementPage:
    """What the link shows (audited as `hold.notice_view`)."""
    _, hold, person = notices.by_token(session, token)
    audit.record(session, actor, "hold.notice_view", "hold", hold.id, person_id=str(person.id))
    return page(session, token)


def acknowledge(session: Session, actor: Actor, token: str,
                answers: dict[str, Any]) -> AcknowledgementPage:
    notices.acknowledge(session, actor, token, answers)
    return page(session, token)
