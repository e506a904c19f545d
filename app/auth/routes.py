from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request

from app.auth import service, throttle
from app.auth.deps import PUBLIC, AdminUser, AnyUser, actor_for
from app.auth.schemas import (
    USERNAME_MAX_LENGTH,
    AccessToken,
    ApiTokenCreate,
    ApiTokenIssued,
    ApiTokenOut,
    LockoutOut,
    Me,
    UserCreate,
    UserOut,
)
from app.core.deps import DatabaseDep, ReadSessionDep, SessionDep, SettingsDep, SigningKeyDep
from app.core.errors import TooManyRequests, Unauthorized
from app.core.pagination import Page, PageDep, paginate
from app.core.payload import Text
from app.models import ApiToken, Lockout, User

router = APIRouter(prefix="/api/v1", tags=["auth"])


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id, username=user.username, full_name=user.full_name, email=user.email,
        roles=sorted(user.roles), is_active=user.is_active, created_at=user.created_at,
    )


def lockout_out(lockout: Lockout) -> LockoutOut:
    return LockoutOut.model_validate(lockout, from_attributes=True)


def token_out(token: ApiToken, secret: str | None = None) -> ApiTokenOut:
    shown = ApiTokenOut(
        id=token.id, name=token.name, prefix=token.prefix, username=token.user.username,
        created_at=token.created_at, expires_at=token.expires_at, revoked_at=token.revoked_at,
    )
    return ApiTokenIssued(**shown.model_dump(), token=secret) if secret else shown


@router.post("/auth/token", response_model=AccessToken, openapi_extra=PUBLIC, responses={
    429: {"description": "Too many failed sign-ins for this username or from this address: "
                         "refused, whatever the password, for `Retry-After` seconds"}})
def sign_in(
    request: Request,
    username: Annotated[Text, Form(max_length=USERNAME_MAX_LENGTH)],
    password: Annotated[Text, Form(json_schema_extra={"format": "password"})],
    database: DatabaseDep,
    settings: SettingsDep,
    key: SigningKeyDep,
) -> AccessToken:
    """OAuth2 password flow for people. Failed attempts are audited too, and too many of
    them lock the username, or the client address, for a while."""
    # Its own transaction, so a failed attempt's audit entry is kept although we answer 401.
    with database.transaction() as session:
        outcome = service.authenticate(session, actor_for(request, username), username, password,
                                       throttle.limits(settings))
        token = service.issue_access_token(settings, key, outcome, database.clock.now()) \
            if isinstance(outcome, User) else None
    if isinstance(outcome, throttle.Locked):
        raise TooManyRequests("Too many failed sign-ins: try again later, or ask an administrator "
                              "to lift the lock-out.", outcome.retry_after_seconds)
    if token is None:
        raise Unauthorized("Wrong username or password.")
    return AccessToken(access_token=token[0], expires_at=token[1])


@router.get("/auth/me", response_model=Me)
def who_am_i(principal: AnyUser) -> Me:
    return Me(**user_out(principal.user).model_dump(), via=principal.via)


@router.get("/users", response_model=Page[UserOut])
def list_users(_: AdminUser, session: ReadSessionDep, page: PageDep) -> Page[UserOut]:
    return paginate(session, service.users_listed(), page, user_out)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserCreate, admin: AdminUser, session: SessionDep) -> UserOut:
    user = service.create_user(
        session, admin.actor, body.username, body.roles, body.password, body.full_name, body.email
    )
    return user_out(user)


@router.post("/auth/api-tokens", response_model=ApiTokenIssued, status_code=201)
def create_api_token(body: ApiTokenCreate, admin: AdminUser, session: SessionDep) -> ApiTokenOut:
    """Issue a long-lived token for a city system; the secret is in this answer only."""
    api_token, secret = service.issue_api_token(
        session, admin.actor, body.username, body.name, body.lifetime_days
    )
    return token_out(api_token, secret)


@router.get("/auth/api-tokens", response_model=Page[ApiTokenOut])
def list_api_tokens(_: AdminUser, session: ReadSessionDep, page: PageDep) -> Page[ApiTokenOut]:
    return paginate(session, service.api_tokens_listed(), page, token_out)


@router.delete("/auth/api-tokens/{token_id}", response_model=ApiTokenOut)
def revoke_api_token(token_id: uuid.UUID, admin: AdminUser, session: SessionDep) -> ApiTokenOut:
    return token_out(service.revoke_api_token(session, admin.actor, token_id))


@router.get("/auth/lockouts", response_model=Page[LockoutOut])
def list_lockouts(_: AdminUser, session: ReadSessionDep, page: PageDep) -> Page[LockoutOut]:
    """Usernames and client addresses that may not sign in now, newest first."""
    return paginate(session, throttle.in_force(session), page, lockout_out)


@router.delete("/auth/lockouts/{lockout_id}", response_model=LockoutOut)
def lift_lockout(lockout_id: uuid.UUID, admin: AdminUser, session: SessionDep) -> LockoutOut:
    """End a lock-out early: its username or address may sign in again at once."""
    return lockout_out(throttle.lift(session, admin.actor, lockout_id))
