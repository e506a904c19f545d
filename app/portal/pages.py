"""The public portal's pages, for members of the public with no account: what the portal
offers and the city's published policy, the request form and its receipt, and the language
switch (English or Spanish, remembered in a cookie)."""

from __future__ import annotations

from typing import Annotated

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.core.deps import DatabaseDep, SettingsDep, client_address, request_id
from app.core.errors import BadRequest, TooManyRequests
from app.models import Delivery, PublicTextKey, RequesterCategory
from app.portal import intake, texts
from app.portal.throttle import count_submission, refuse_if_too_many
from app.ui import i18n
from app.ui.pages import redirect, render, safe_path

router = APIRouter()
LANGUAGE_COOKIE = "custodia_language"
HONEYPOT = "website"  # a field no person sees; robots fill in every field they find
MAX_FIELD = 25_000  # what the page keeps of any one field it re-shows


def language_of(request: Request) -> str:
    """The requester's language: their cookie's, if it names one we have."""
    return i18n.known(request.cookies.get(LANGUAGE_COOKIE))


def portal_page(request: Request, name: str, context: dict[str, object] | None = None, *,
                status: int = 200) -> Response:
    return render(request, f"portal/{name}", context, status=status, language=language_of(request))


def refusal(request: Request, problem: str, status: int, retry_after: int | None = None) -> Response:
    """A portal error page in the requester's language (`problem` is a code the page words)."""
    response = portal_page(request, "problem.html", {"problem": problem, "status": status}, status=status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/portal")
def home(request: Request, database: DatabaseDep) -> Response:
    language = language_of(request)
    with database.reading() as session:
        published = texts.published(session, language)
    return portal_page(request, "home.html", {
        "policy": texts.paragraphs(published[PublicTextKey.cora_policy]),
        "fees": texts.paragraphs(published[PublicTextKey.fee_schedule])})


@router.post("/portal/language")
def choose_language(request: Request, language: Annotated[str, Form(max_length=20)] = "",
                    next: Annotated[str, Form(max_length=2000)] = "/portal") -> Response:
    if language not in i18n.LANGUAGES:
        return refusal(request, "language", 400)
    target = safe_path(next, "/portal")
    response = redirect(request, target if target.startswith("/portal") else "/portal")
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
                        secure=request.app.state.settings.env == "production", path="/")
    return response


def _form_page(request: Request, form: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    return portal_page(request, "new.html", {
        "form": form, "errors": errors, "honeypot": HONEYPOT, "limits": intake.LIMITS,
        "categories": list(RequesterCategory), "deliveries": list(Delivery)}, status=status)


@router.get("/portal/requests/new")
def new_request(request: Request) -> Response:
    return _form_page(request, {"category": "general", "delivery": "email"}, {})


@router.post("/portal/requests/new")
async def send_request(request: Request, database: DatabaseDep, settings: SettingsDep) -> Response:
    received = await request.form()
    form = {name: str(received.get(name, ""))[:MAX_FIELD] for name in intake.FIELDS}
    now = database.clock.now()
    try:
        refuse_if_too_many(request, now)
    except TooManyRequests as refused:
        return refusal(request, "too_many_requests", 429, int(refused.headers.get("Retry-After", "60")))
    if str(received.get(HONEYPOT, "")):  # a robot: refused plainly, nothing stored, but counted
        count_submission(request, now)
        return _form_page(request, form, {"form": "robot"}, 400)
    errors = intake.problems(form)
    if errors:
        return _form_page(request, form, errors, 400)
    try:
        body = intake.request_in(form)
    except BadRequest:  # what the checks above let through, the API's own schema refuses
        return _form_page(request, form, {"form": "invalid"}, 400)
    count_submission(request, now)
    actor = intake.requester(client_address(request), request_id(request))
    # the service's database work and the letter's PDF, off the event loop
    receipt = await run_in_threadpool(intake.submit, database, settings, actor, body)
    language = language_of(request)
    return portal_page(request, "receipt.html", {
        "receipt": receipt, "due": format_date(receipt.due_date, "long", locale=language),
        "link": f"{request.base_url}portal/track/{receipt.token}"})
