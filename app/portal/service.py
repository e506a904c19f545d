"""Secret links to one request: made by a clerk, shown once, kept only as a SHA-256."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import Conflict, NotFound
from app.core.hashing import sha256
from app.letters import service as letters
from app.models import Letter, RecordsRequest, RequestLink
from app.requests.lookup import records_request

NO_LINK = "No such link."  # the same words for unknown, revoked and malformed tokens


def create_link(session: Session, actor: Actor, request_id: uuid.UUID) -> tuple[RequestLink, str]:
    """A new link and its token; the token is returned here and never again."""
    request = records_request(session, request_id)
    token = secrets.token_urlsafe(32)
    link = RequestLink(request_id=request.id, token_sha256=sha256(token), created_by=actor.name,
                       created_by_id=uuid.UUID(actor.user_id) if actor.user_id else None)
    session.add(link)
    session.flush()
    audit.record(session, actor, "request_link.create", "request_link", link.id, request_id=request.id,
                 request_number=request.number)
    return link, token


def links_of(request_id: uuid.UUID) -> Any:
    return select(RequestLink).where(RequestLink.request_id == request_id).order_by(
        RequestLink.created_at, RequestLink.id)


def revoke_link(session: Session, actor: Actor, request_id: uuid.UUID, link_id: uuid.UUID) -> RequestLink:
    link = session.get(RequestLink, link_id)
    if link is None or link.request_id != request_id:
        raise NotFound("No link with that id for this request.")
    if link.revoked_at is not None:
        raise Conflict("That link has already been revoked.")
    link.revoked_at, link.revoked_by = clock_of(session).now(), actor.name
    session.flush()
    audit.record(session, actor, "request_link.revoke", "request_link", link.id, request_id=request_id,
                 before={"revoked_at": None}, after={"revoked_at": link.revoked_at})
    return link


def by_token(session: Session, token: str) -> tuple[RequestLink, RecordsRequest]:
    """The live link a token opens and its request; 404 with no hint otherwise."""
    if not 20 <= len(token) <= 100:
        raise NotFound(NO_LINK)
    link = session.scalar(select(RequestLink).where(RequestLink.token_sha256 == sha256(token)))
    if link is None or link.revoked_at is not None:
        raise NotFound(NO_LINK)
    return link, session.get_one(RecordsRequest, link.request_id)


def view(session: Session, actor: Actor, link: RequestLink, request: RecordsRequest) -> list[Letter]:
    """The request's letters, as its requester opens the link (audited as a view)."""
    sent = list(session.scalars(letters.letters_of(request.id)))
    audit.record(session, actor, "portal.view", "records_request", request.id, link_id=link.id)
    return sent


def letter_download(session: Session, actor: Actor, link: RequestLink, request: RecordsRequest,
                    letter_id: uuid.UUID) -> Letter:
    """One of the request's letters, as its requester downloads it (audited)."""
    letter = letters.letter(session, request.id, letter_id)
    audit.record(session, actor, "portal.letter_download", "letter", letter.id, link_id=link.id,
                 sha256=letter.pdf_sha256)
    return letter
