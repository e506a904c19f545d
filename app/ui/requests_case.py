"""A request's case file as one page: what it shows is read from the same services as the
API's routes, and an action refused re-draws it with the refusal beside that action's form."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.auth.deps import Principal
from app.core.clock import clock_of
from app.core.db import Database
from app.core.errors import CustodiaError
from app.core.pagination import PageParams
from app.core.settings import Settings
from app.fees import service as fees
from app.fees.schemas import StatementIn
from app.letters import service as letters
from app.models import Delivery, LetterKind, PaymentKind, PaymentMethod, Role
from app.near_duplicates import service as near_duplicates
from app.portal import service as portal
from app.requests import service, timing
from app.requests.lookup import records_request
from app.review import citations, tags
from app.ui.forms import attempt
from app.ui.pages import redirect, render

REVIEW_PAGE = 200  # documents of the review set shown at once
CLERKS = frozenset({Role.clerk, Role.admin})


def review_context(session: Any, settings: Settings, found: Any, offset: int = 0
                   ) -> dict[str, Any]:
    """The review set's part of the page (also answered alone to htmx)."""
    return {
        "items": tags.items(session, found, PageParams(offset=offset, limit=REVIEW_PAGE),
                            None, False),
        "progress": tags.progress(session, found),
        "near_groups": near_duplicates.in_review_set(session, found,
                                                     PageParams(offset=0, limit=REVIEW_PAGE)),
        "citations": citations.citable(session, citations.today(session, settings)),
        "estimate": fees.live_estimate(session, settings, found, StatementIn(pages=0)),
    }


def case_context(session: Any, settings: Settings, principal: Principal,
                 request_id: uuid.UUID) -> dict[str, Any]:
    found = records_request(session, request_id)
    today = timing.Today(session, settings.zone)
    clerk = bool(principal.roles & CLERKS)
    return {
        "case": found, "today": today.day, "due": timing.current_due(found),
        "days_left": today.working_days_left(found), "overdue": today.overdue(found),
        "due_soon": today.due_soon(found), "ticking": timing.ticking(found),
        "allowed": sorted(service.ALLOWED[found.status]),
        "events": service.events(session, found),
        **review_context(session, settings, found),
        "fees": fees.summary(session, found),
        "time_entries": list(session.scalars(fees.time_entries(found))),
        "letters": [(letter, *letters.delivery(session, letter))
                    for letter in session.scalars(letters.letters_of(found.id))],
        "letter_kinds": list(LetterKind), "deliveries": list(Delivery),
        "payment_kinds": list(PaymentKind), "payment_methods": list(PaymentMethod),
        "now_local": clock_of(session).now().astimezone(settings.zone).strftime("%Y-%m-%dT%H:%M"),
        # The API lists links for clerks only: nobody else sees even that they exist.
        "links": list(session.scalars(portal.links_of(found.id))) if clerk else [],
        "failed": "", "kept": {}, "error": None,
    }


def case_page(request: Request, database: Database, settings: Settings, principal: Principal,
              request_id: uuid.UUID, *, error: CustodiaError | None = None, failed: str = "",
              kept: dict[str, Any] | None = None) -> Response:
    """The case file; after a refused action, with its error (and status) and the input kept."""
    with database.reading() as session:
        context = case_context(session, settings, principal, request_id)
        context.update(error=error, failed=failed, kept=kept or {})
        return render(request, "requests/case.html", context,
                      status=int(error.status) if error else 200)


def act(request: Request, database: Database, settings: Settings, principal: Principal,
        request_id: uuid.UUID, action: str, kept: dict[str, Any],
        work: Callable[[Any], Any], done: Callable[[Any], str]) -> Response:
    """Do one action of the case file: back to it with a message, or its refusal shown."""
    outcome = attempt(database, work)
    if isinstance(outcome, CustodiaError):
        return case_page(request, database, settings, principal, request_id, error=outcome,
                         failed=action, kept=kept)
    return redirect(request, f"/requests/{request_id}#{action}", done(outcome))

