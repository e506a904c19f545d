"""Sign-in, users and API tokens. Each change is audited in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.auth import credentials, throttle
from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.settings import Settings
from app.models import ApiToken, LockKind, Role, User, UserRole


def user_snapshot(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "roles": sorted(user.roles),
        "is_active": user.is_active,
    }


def users_listed() -> Select[Any]:
    """Every user, by username (for paginate)."""
    return select(User).order_by(User.username)


def api_tokens_listed() -> Select[Any]:
    """Every API token, revoked ones too, oldest first (for paginate)."""
    return select(ApiToken).order_by(ApiToken.created_at)


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    roles: Iterable[Role],
    password: str,
    full_name: str = "",
    email: str = "",
) -> User:
    if not username.strip():
        raise BadRequest("A username is required.")
    roles = set(roles)
    if not roles:
        raise BadRequest("A user needs at least one role.")
    if find_user(session, username) is not None:
        raise Conflict(f"A user named {username!r} already exists.")
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        password_hash=credentials.hash_password(password),
        role_grants=[UserRole(role=role) for role in sorted(roles)],
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, after=user_snapshot(user))
    return user


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    user.password_hash = credentials.hash_password(password)
    session.flush()
    # The hash itself never enters the trail; that it changed does.
    audit.record(session, actor, "user.password_set", "user", user.id, username=user.username)


def authenticate(
    session: Session, actor: Actor, username: str, password: str,
    limits: dict[LockKind, throttle.Limit],
) -> User | throttle.Locked | None:
    """Check a password unless its username or address is locked out; every attempt is audited.

    The password is checked in every case, against a dummy hash for an unknown name,
    so that no answer comes sooner and tells whether the name exists or is locked.
    """
    now = clock_of(session).now()
    lockouts = throttle.active_lockouts(session, username, actor.client_address, now)
    user = find_user(session, username)
    matches = credentials.password_matches(user.password_hash if user else None, password)
    if lockouts:
        audit.record(session, actor, "auth.login_failed", "user", username, reason="locked out",
                     lockouts=[str(lockout.id) for lockout in lockouts])
        return throttle.Locked(throttle.retry_after_seconds(lockouts, now))
    if user is None or not user.is_active or not matches:
        reason = "unknown user" if user is None else "inactive user" if not user.is_active else (
            "wrong password"
        )
        audit.record(session, actor, "auth.login_failed", "user", username, reason=reason)
        begun = throttle.record_failure(session, actor, username, now, limits)
        return throttle.Locked(throttle.retry_after_seconds(begun, now)) if begun else None
    audit.record(session, actor, "auth.login", "user", user.id, username=username)
    return user


def issue_access_token(
    settings: Settings, key: SecretStr, user: User, now: datetime
) -> tuple[str, datetime]:
    return credentials.issue_access_token(
        user.id, key.get_secret_value(), timedelta(minutes=settings.access_token_minutes), now
    )


def user_for_token(session: Session, key: SecretStr, token: str) -> tuple[User, str] | None:
    user: User | None
    now = clock_of(session).now()
    if token.startswith(credentials.API_TOKEN_PREFIX):
        api_token = session.scalar(
            select(ApiToken).where(ApiToken.token_hash == credentials.api_token_hash(token))
        )
        if api_token is None or api_token.revoked_at is not None:
            return None
        if api_token.expires_at is not None and api_token.expires_at <= now:
            return None
        user, via = api_token.user, f"api_token:{api_token.name}"
    else:
        user_id = credentials.read_access_token(token, key.get_secret_value(), now)
        user = session.get(User, user_id) if user_id else None
        via = "password"
    if user is None or not user.is_active:
        return None
    return user, via


def user_by_id(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No user with that id.")
    return user


def issue_api_token(session: Session, actor: Actor, username: str, name: str,
                    lifetime_days: int | None) -> tuple[ApiToken, str]:
    """A token for the user named `username` (404 if there is none); its secret once."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    return create_api_token(session, actor, user, name, lifetime_days)


def create_api_token(
    session: Session, actor: Actor, user: User, name: str, lifetime_days: int | None
) -> tuple[ApiToken, str]:
    token, token_hash = credentials.new_api_token()
    expires = clock_of(session).now() + timedelta(days=lifetime_days) if lifetime_days else None
    api_token = ApiToken(
        name=name, user=user, token_hash=token_hash, prefix=token[:12], expires_at=expires
    )
    session.add(api_token)
    session.flush()
    audit.record(
        session, actor, "api_token.create", "api_token", api_token.id,
        after={"name": name, "user": user.username, "prefix": api_token.prefix,
               "expires_at": expires},
    )
    return api_token, token


def revoke_api_token(session: Session, actor: Actor, token_id: uuid.UUID) -> ApiToken:
    api_token = session.get(ApiToken, token_id)
    if api_token is None:
        raise NotFound("No API token with that id.")
    if api_token.revoked_at is not None:
        raise Conflict("That API token is already revoked.")
    api_token.revoked_at = clock_of(session).now()
    session.flush()
    audit.record(
        session, actor, "api_token.revoke", "api_token", api_token.id,
        before={"revoked_at": None}, after={"revoked_at": api_token.revoked_at},
    )
    return api_token
