"""Who is signed in to the web UI, and what they may open: the API's roles, through a cookie.

Each alias here is built from the same role set (app.auth.deps.Allowed) as its namesake
there, and a page typed by hand is refused with the same message as the API gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from app.auth import sessions
from app.auth.deps import Allowed, Principal, actor_for
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import Forbidden, Unauthorized
from app.models import Role, User

SESSION_COOKIE = "custodia_session"


class SignInNeeded(Unauthorized):
    """Answered on a staff page by sending the browser to the sign-in page (app.ui.errors)."""

    code = "sign_in_needed"


def signed_in_user(request: Request, database: DatabaseDep, settings: SettingsDep) -> User | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    with database.reading() as session:
        user = sessions.live_user(session, settings, token)
    if user is None:
        with database.transaction() as session:
            user = sessions.resume(session, settings, token)
    return user


def _allow(*roles: Role) -> Any:
    allowed = frozenset(roles)

    def principal(request: Request, user: Annotated[User | None, Depends(signed_in_user)]
                  ) -> Principal:
        if user is None:
            raise SignInNeeded("Sign in first.")
        found = Principal(user, actor_for(request, user.username, str(user.id)), "session")
        request.state.principal = found  # the page's navigation shows what these roles may open
        if not user.roles & allowed:
            raise Forbidden("This action needs one of these roles: "
                            f"{', '.join(role.value for role in roles)}.")
        return found

    dependency: Callable[..., Principal] = principal
    return Depends(dependency)


Staff = Annotated[Principal, _allow(*Allowed.anyone)]
AdminStaff = Annotated[Principal, _allow(*Allowed.admin)]
AuditorStaff = Annotated[Principal, _allow(*Allowed.auditor)]
ClerkStaff = Annotated[Principal, _allow(*Allowed.clerk)]
AttorneyStaff = Annotated[Principal, _allow(*Allowed.attorney)]
ReviewerStaff = Annotated[Principal, _allow(*Allowed.reviewer)]
RequestReaderStaff = Annotated[Principal, _allow(*Allowed.request_reader)]
HoldReaderStaff = Annotated[Principal, _allow(*Allowed.hold_reader)]
PeopleReaderStaff = Annotated[Principal, _allow(*Allowed.people_reader)]
ClerkAuditorStaff = Annotated[Principal, _allow(*Allowed.clerk_auditor)]
