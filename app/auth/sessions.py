"""Staff sessions for the web UI: begun at sign-in, ended by sign-out, idleness or age.

The browser holds a random token in an HttpOnly cookie; only its SHA-256 is stored.
Beginning and ending are audited; so is a session found idle or too old.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.settings import Settings
from app.models import StaffSession, User

# last_seen_at is written at most this often: a page view is not a database write
TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin(session: Session, actor: Actor, user: User) -> str:
    """A new session for `user`, who has just signed in; the token is for the cookie only."""
    token = secrets.token_urlsafe(32)
    now = clock_of(session).now()
    found = StaffSession(token_sha256=_digest(token), user_id=user.id, last_seen_at=now,
                         client_address=actor.client_address[:64])
    session.add(found)
    session.flush()
    audit.record(session, actor, "auth.session_begin", "staff_session", found.id,
                 username=user.username)
    return token


def _ending(found: StaffSession, settings: Settings, session: Session) -> str:
    now = clock_of(session).now()
    if now - found.created_at >= timedelta(hours=settings.session_max_hours):
        return "expired"
    if now - found.last_seen_at >= timedelta(minutes=settings.session_idle_minutes):
        return "idle"
    return ""


def live_user(session: Session, settings: Settings, token: str) -> User | None:
    """The user of `token`'s session if it is live and was seen lately: the read-only check
    made on most page views. None means "call resume", which also writes what it finds."""
    if not token:
        return None
    found = session.scalar(select(StaffSession).where(StaffSession.token_sha256 == _digest(token)))
    if found is None or found.ended_at is not None or not found.user.is_active:
        return None
    if _ending(found, settings, session) or clock_of(session).now() - found.last_seen_at >= TOUCH_EVERY:
        return None
    return found.user


def resume(session: Session, settings: Settings, token: str) -> User | None:
    """The user whose live session `token` opens, or None. A session found idle or too old
    is ended here (and audited); a live one is marked seen."""
    if not token:
        return None
    found = session.scalar(select(StaffSession).where(StaffSession.token_sha256 == _digest(token)))
    if found is None or found.ended_at is not None:
        return None
    because = _ending(found, settings, session)
    if because:
        _end(session, Actor("system", found.client_address, "session-expiry"), found, because)
        return None
    if not found.user.is_active:
        return None
    now = clock_of(session).now()
    if now - found.last_seen_at >= TOUCH_EVERY:
        found.last_seen_at = now
        session.flush()
    return found.user


def end(session: Session, actor: Actor, token: str) -> bool:
    """Sign out: the session `token` opens is ended. False if there was none to end."""
    found = session.scalar(select(StaffSession).where(StaffSession.token_sha256 == _digest(token)))
    if found is None or found.ended_at is not None:
        return False
    _end(session, actor, found, "signed_out")
    return True


def _end(session: Session, actor: Actor, found: StaffSession, because: str) -> None:
    found.ended_at = clock_of(session).now()
    found.ended_because = because
    session.flush()
    action = "auth.logout" if because == "signed_out" else "auth.session_end"
    audit.record(session, actor, action, "staff_session", found.id,
                 username=found.user.username, reason=because)
