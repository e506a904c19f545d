"""Every route declares who may call it: a role dependency below, or PUBLIC.

Roles are OAuth2 scopes of the bearer scheme, so each operation's security
requirement in the OpenAPI document lists the roles that may call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from pydantic import SecretStr
from sqlalchemy.orm import Session

from app.auth import service
from app.core.audit import Actor
from app.core.deps import (
    DatabaseDep,
    ReadSessionDep,
    SigningKeyDep,
    client_address,
    request_id,
)
from app.core.errors import Forbidden, Unauthorized
from app.models import Role, User

ROLE_DESCRIPTIONS = {
    Role.clerk: "City clerk: records requests, searches, review, release",
    Role.attorney: "City attorney: litigation holds, privilege review",
    Role.auditor: "Auditor: reads and verifies the audit trail",
    Role.admin: "Administrator: users, API tokens, settings",
}
# Routes anyone may call carry this marker in their OpenAPI operation.
PUBLIC: dict[str, Any] = {"x-custodia-access": "public"}

bearer = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    scopes={role.value: text for role, text in ROLE_DESCRIPTIONS.items()},
    auto_error=False,
)


@dataclass(frozen=True)
class Principal:
    user: User
    actor: Actor
    via: str  # "password" or "api_token:<name>"

    @property
    def roles(self) -> frozenset[Role]:
        return self.user.roles


def actor_for(request: Request, name: str, user_id: str | None = None) -> Actor:
    return Actor(name, client_address(request), request_id(request), user_id)


def authorize(
    allowed: SecurityScopes,
    request: Request,
    session: ReadSessionDep,
    key: SigningKeyDep,
    token: Annotated[str | None, Depends(bearer)],
) -> Principal:
    return _principal(allowed, request, session, key, token)


def authorize_briefly(
    allowed: SecurityScopes,
    request: Request,
    database: DatabaseDep,
    key: SigningKeyDep,
    token: Annotated[str | None, Depends(bearer)],
) -> Principal:
    """For a long request (an upload): the check holds no transaction open after it."""
    with database.reading() as session:
        return _principal(allowed, request, session, key, token)


def _principal(allowed: SecurityScopes, request: Request, session: Session, key: SecretStr,
               token: str | None) -> Principal:
    if not token:
        raise Unauthorized("Sign in first: send a bearer token.")
    found = service.user_for_token(session, key, token)
    if found is None:
        raise Unauthorized("The bearer token is invalid, expired or revoked.")
    user, via = found
    if not user.roles & set(allowed.scopes):
        raise Forbidden(f"This action needs one of these roles: {', '.join(allowed.scopes)}.")
    return Principal(user, actor_for(request, user.username, str(user.id)), via)


def _allow(*roles: Role) -> Any:
    return Security(authorize, scopes=[role.value for role in roles])


class Allowed:
    """Who may do what: one role set per kind of caller, in the order refusals name them.
    The API's aliases below and the pages' (app.ui.deps) are built from these, so a page
    and the route it wraps cannot disagree."""

    anyone = tuple(Role)
    admin = (Role.admin,)
    auditor = (Role.auditor, Role.admin)
    clerk = (Role.clerk, Role.admin)
    attorney = (Role.attorney, Role.admin)
    # Those who read the records themselves: the clerk's office and the attorney's.
    reviewer = (Role.clerk, Role.attorney, Role.admin)
    # Those who read the CORA case files (the request, its review set, fees, letters): clerks
    # manage them, attorneys and auditors look.
    request_reader = (Role.clerk, Role.attorney, Role.auditor, Role.admin)
    # Who read legal holds (matters, custodians, held documents): attorneys manage them,
    # auditors look; clerks see only that a hold exists (on a request's review set).
    hold_reader = (Role.attorney, Role.auditor, Role.admin)
    # Who read the custodian directory (people, addresses, custodian names): attorneys and
    # admins keep it, clerks and auditors look.
    people_reader = (Role.clerk, Role.attorney, Role.auditor, Role.admin)
    # Who follow a request's paper trail (its mail and failures): the clerk's office and auditors.
    clerk_auditor = (Role.clerk, Role.auditor, Role.admin)


AnyUser = Annotated[Principal, _allow(*Allowed.anyone)]
AdminUser = Annotated[Principal, _allow(*Allowed.admin)]
AuditorUser = Annotated[Principal, _allow(*Allowed.auditor)]
ClerkUser = Annotated[Principal, _allow(*Allowed.clerk)]
AttorneyUser = Annotated[Principal, _allow(*Allowed.attorney)]
ReviewerUser = Annotated[Principal, _allow(*Allowed.reviewer)]
RequestReader = Annotated[Principal, _allow(*Allowed.request_reader)]
HoldReader = Annotated[Principal, _allow(*Allowed.hold_reader)]
PeopleReader = Annotated[Principal, _allow(*Allowed.people_reader)]
ClerkAuditorUser = Annotated[Principal, _allow(*Allowed.clerk_auditor)]
ClerkUploader = Annotated[Principal, Security(authorize_briefly,
                                              scopes=[role.value for role in Allowed.clerk])]
