"""What a letter template is filled with: a plain dict, built from the request.

The keys are render.CONTEXT_KEYS, listed with their meaning in the README
("Letters"), so clerks can write templates. Dates are written out the way a
letter says them ("December 2, 2026"), in the city's zone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import clock_of
from app.core.settings import Settings
from app.letters.schemas import Fees, LetterCreate
from app.models import Citation, RecordsRequest, ReviewTag, ReviewTagName


def spoken(day: date | None) -> str | None:
    return f"{day:%B} {day.day}, {day.year}" if day else None


def _money(value: object) -> str:
    return f"{value:.2f}"


def fees_context(fees: Fees | None) -> dict[str, str] | None:
    if fees is None:
        return None
    return {"research_hours": f"{fees.research_hours.normalize():f}", "hourly_rate": _money(fees.hourly_rate),
            "research_fee": _money(fees.research_fee), "pages": str(fees.pages),
            "page_rate": _money(fees.page_rate), "copy_fee": _money(fees.copy_fee),
            "total": _money(fees.total)}


def extension_of(request: RecordsRequest, extra: LetterCreate) -> tuple[date | None, str]:
    """The extended due date and its reason: as the clerk gave them, else the request's."""
    extended = extra.extended_due_date or request.extended_due_date
    reason = extra.reason.strip() or (request.extension_reason or "").strip()
    return extended, reason


def grounds_of(session: Session, request: RecordsRequest, extra: LetterCreate) -> list[dict[str, str]]:
    """The grounds for withheld records: as the clerk gave them, else each citation the review
    tagged an exempt or privileged document of this request with, once, in code order."""
    if extra.grounds:
        return [{"code": g.code, "title": g.title} for g in extra.grounds]
    cited = session.execute(
        select(Citation.code, Citation.title).join(ReviewTag, ReviewTag.citation_id == Citation.id)
        .where(ReviewTag.request_id == request.id,
               ReviewTag.tag.in_([ReviewTagName.exempt, ReviewTagName.privileged]))
        .distinct().order_by(Citation.code))
    return [{"code": code, "title": title} for code, title in cited]


def letter_context(session: Session, request: RecordsRequest, extra: LetterCreate,
                   settings: Settings) -> dict[str, Any]:
    """The context of one letter about `request`; `extra` is what the clerk added."""
    zone = settings.zone
    extended, reason = extension_of(request, extra)
    return {
        "city_name": settings.city_name,
        "letter_date": spoken(clock_of(session).now().astimezone(zone).date()),
        "request_number": request.number,
        "request_description": request.description,
        "request_status": request.status.value.replace("_", " "),
        "requester_name": request.requester_name,
        "requester_organization": request.requester_organization,
        "requester_email": request.requester_email,
        "received_date": spoken(request.received_at.astimezone(zone).date()),
        "due_date": spoken(request.due_date),
        "extended_due_date": spoken(extended),
        "extension_reason": reason,
        "grounds": grounds_of(session, request, extra),
        "partial": extra.partial,
        "fees": fees_context(extra.fees),
        "note": extra.note.strip(),
    }


def sample_contexts(city_name: str) -> list[dict[str, Any]]:
    """Contexts with every key filled, to try a template on when it is saved."""
    full: dict[str, Any] = {
        "city_name": city_name, "letter_date": "December 2, 2026", "request_number": "2026-0001",
        "request_description": "E-mails about the snow routes", "request_status": "in progress",
        "requester_name": "Alex Requester", "requester_organization": "Springvale Gazette",
        "requester_email": "alex@example.org", "received_date": "December 1, 2026",
        "due_date": "December 4, 2026", "extended_due_date": "December 15, 2026",
        "extension_reason": "The records are in several departments.",
        "grounds": [{"code": "24-72-204(3)(a)(I)", "title": "Medical data on individuals"}],
        "partial": True,
        "fees": {"research_hours": "2", "hourly_rate": "41.37", "research_fee": "82.74", "pages": "10",
                 "page_rate": "0.25", "copy_fee": "2.50", "total": "85.24"},
        "note": "",
    }
    return [full, {**full, "partial": False, "requester_organization": "", "note": "Thank you."}]
