"""Admin pages for who may sign in: users (create, set a password), API tokens (issue,
revoke) and sign-in lock-outs (lift), all through app.auth's services, so all audited."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth import service, throttle
from app.auth.routes import lockout_out, token_out, user_out
from app.auth.schemas import USERNAME_MAX_LENGTH, ApiTokenCreate, UserCreate
from app.core.db import Database
from app.core.deps import DatabaseDep
from app.core.errors import BadRequest, CustodiaError
from app.core.pagination import PageDep, PageParams, paginate
from app.models import Role
from app.ui.deps import AdminStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import redirect, render

router = APIRouter()

Short = Annotated[str, Form(max_length=USERNAME_MAX_LENGTH)]
Line = Annotated[str, Form(max_length=400)]
Secret = Annotated[str, Form(max_length=1000)]


def _roles(chosen: list[str]) -> list[Role]:
    known = {role.value for role in Role}
    if any(value not in known for value in chosen):
        raise BadRequest(f"A role is one of: {', '.join(sorted(known))}.")
    return [Role(value) for value in chosen]


def _users_page(request: Request, database: Database, page: PageParams,
                form: dict[str, Any] | None = None, error: CustodiaError | None = None) -> Response:
    with database.reading() as session:
        listed = paginate(session, service.users_listed(), page, user_out)
    return render(request, "admin/users.html", {
        "listed": listed, "roles": list(Role), "error": error.detail if error else "",
        "form": form or {"username": "", "full_name": "", "email": "", "roles": []},
    }, status=int(error.status) if error else 200)


@router.get("/admin/users")
def users(request: Request, admin: AdminStaff, database: DatabaseDep, page: PageDep) -> Response:
    return _users_page(request, database, page)


@router.post("/admin/users")
def create_user(request: Request, admin: AdminStaff, database: DatabaseDep,
                username: Short = "", full_name: Line = "", email: Line = "",
                password: Secret = "", roles: Annotated[list[str] | None, Form()] = None
                ) -> Response:
    form = {"username": username, "full_name": full_name, "email": email, "roles": roles or []}
    try:
        body = parsed(UserCreate, {"username": username, "full_name": full_name, "email": email,
                                   "password": password, "roles": _roles(roles or [])})
    except BadRequest as error:
        return _users_page(request, database, PageParams(offset=0, limit=50), form, error)
    done = attempt(database, lambda session: service.create_user(
        session, admin.actor, body.username, body.roles, body.password, body.full_name,
        body.email))
    if isinstance(done, CustodiaError):
        return _users_page(request, database, PageParams(offset=0, limit=50), form, done)
    return redirect(request, "/admin/users", f"User {body.username} created.")


@router.post("/admin/users/{user_id}/password")
def set_password(request: Request, user_id: uuid.UUID, admin: AdminStaff,
                 database: DatabaseDep, password: Secret = "") -> Response:
    if not 12 <= len(password) <= 200:
        raise BadRequest("A password is 12 to 200 characters. Nothing was changed.")
    done = attempt(database, lambda session: service.set_password(
        session, admin.actor, service.user_by_id(session, user_id), password))
    if isinstance(done, CustodiaError):
        raise done
    return redirect(request, "/admin/users", "The password was changed.")


def _tokens_page(request: Request, database: Database, page: PageParams,
                 form: dict[str, Any] | None = None, error: CustodiaError | None = None
                 ) -> Response:
    with database.reading() as session:
        listed = paginate(session, service.api_tokens_listed(), page, token_out)
        usernames = [u.username for u in paginate(
            session, service.users_listed(), PageParams(offset=0, limit=500), lambda u: u).items]
    return render(request, "admin/api_tokens.html", {
        "listed": listed, "usernames": usernames, "error": error.detail if error else "",
        "form": form or {"name": "", "username": "", "lifetime_days": ""},
    }, status=int(error.status) if error else 200)


@router.get("/admin/api-tokens")
def api_tokens(request: Request, admin: AdminStaff, database: DatabaseDep,
               page: PageDep) -> Response:
    return _tokens_page(request, database, page)


@router.post("/admin/api-tokens")
def issue_api_token(request: Request, admin: AdminStaff, database: DatabaseDep,
                    name: Line = "", username: Short = "",
                    lifetime_days: Annotated[str, Form(max_length=10)] = "") -> Response:
    form = {"name": name, "username": username, "lifetime_days": lifetime_days}
    days = lifetime_days.strip()
    try:
        body = parsed(ApiTokenCreate, {"name": name.strip(), "username": username.strip(),
                                       "lifetime_days": int(days) if days.isdigit() else
                                       (days or None)})
    except BadRequest as error:
        return _tokens_page(request, database, PageParams(offset=0, limit=50), form, error)
    done = attempt(database, lambda session: token_out(*service.issue_api_token(
        session, admin.actor, body.username, body.name, body.lifetime_days)))
    if isinstance(done, CustodiaError):
        return _tokens_page(request, database, PageParams(offset=0, limit=50), form, done)
    # The secret is in this answer only: not in a redirect, a cookie or the trail.
    answer = render(request, "admin/token_issued.html", {"token": done})
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.post("/admin/api-tokens/{token_id}/revoke")
def revoke_api_token(request: Request, token_id: uuid.UUID, admin: AdminStaff,
                     database: DatabaseDep) -> Response:
    done = attempt(database, lambda session: service.revoke_api_token(
        session, admin.actor, token_id).name)
    if isinstance(done, CustodiaError):
        raise done
    return redirect(request, "/admin/api-tokens", f"The API token {done} is revoked.")


@router.get("/admin/lockouts")
def lockouts(request: Request, admin: AdminStaff, database: DatabaseDep,
             page: PageDep) -> Response:
    with database.reading() as session:
        listed = paginate(session, throttle.in_force(session), page, lockout_out)
    return render(request, "admin/lockouts.html", {"listed": listed})


@router.post("/admin/lockouts/{lockout_id}/lift")
def lift_lockout(request: Request, lockout_id: uuid.UUID, admin: AdminStaff,
                 database: DatabaseDep) -> Response:
    done = attempt(database, lambda session: throttle.lift(session, admin.actor, lockout_id).subject)
    if isinstance(done, CustodiaError):
        raise done
    return redirect(request, "/admin/lockouts", f"The lock-out of {done} is lifted.")
