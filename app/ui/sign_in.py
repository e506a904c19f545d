"""Signing in and out of the web UI: the API's password check, lock-outs and audit, and a
session cookie (HttpOnly, SameSite=Lax, Secure in production) that idles out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.auth import service, sessions, throttle
from app.auth.deps import actor_for
from app.auth.schemas import USERNAME_MAX_LENGTH
from app.core.deps import DatabaseDep, SettingsDep
from app.models import User
from app.ui.deps import SESSION_COOKIE, signed_in_user
from app.ui.pages import redirect, render, safe_path

router = APIRouter()


@router.get("/")
def home(user: Annotated[User | None, Depends(signed_in_user)]) -> RedirectResponse:
    return RedirectResponse("/dashboard" if user else "/sign-in", status_code=303)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/dashboard") -> Response:
    return render(request, "sign_in.html", {"next": safe_path(next), "username": "", "error": ""})


@router.post("/sign-in")
def sign_in(request: Request, database: DatabaseDep, settings: SettingsDep,
            username: Annotated[str, Form(max_length=USERNAME_MAX_LENGTH)] = "",
            password: Annotated[str, Form(max_length=1000)] = "",
            next: Annotated[str, Form(max_length=2000)] = "/dashboard") -> Response:
    # Its own transaction, so a failed attempt's audit entry is kept although we refuse.
    with database.transaction() as session:
        actor = actor_for(request, username)
        outcome = service.authenticate(session, actor, username, password, throttle.limits(settings))
        token = sessions.begin(session, actor_for(request, username, str(outcome.id)), outcome) \
            if isinstance(outcome, User) else ""
    if not token:
        locked = isinstance(outcome, throttle.Locked)
        error = ("Too many failed sign-ins: try again later, or ask an administrator to lift "
                 "the lock-out.") if locked else "Wrong username or password."
        refused = render(request, "sign_in.html", {"next": safe_path(next), "username": username,
                                                   "error": error}, status=429 if locked else 401)
        if isinstance(outcome, throttle.Locked):
            refused.headers["Retry-After"] = str(outcome.retry_after_seconds)
        return refused
    response = redirect(request, safe_path(next))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.env == "production", path="/")
    return response


@router.post("/sign-out")
def sign_out(request: Request, database: DatabaseDep,
             user: Annotated[User | None, Depends(signed_in_user)]) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    if token and user is not None:
        with database.transaction() as session:
            sessions.end(session, actor_for(request, user.username, str(user.id)), token)
    response = redirect(request, "/sign-in", "You are signed out.")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
