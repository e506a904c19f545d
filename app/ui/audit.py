"""The audit trail for auditors: read it newest first with filters, verify its chain, and
download it through the API's own export (app.audit)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.audit import export, service
from app.audit.schemas import AuditEntryOut, ExportFormat
from app.core.deps import DatabaseDep, ReadSessionDep, SettingsDep
from app.core.errors import BadRequest
from app.core.pagination import PageDep, paginate
from app.core.payload import Text
from app.ui.deps import AuditorStaff
from app.ui.pages import render

router = APIRouter()

FIELD_MAX = 200
FILTERS = ("actor", "action", "object_type", "object_id", "from_date", "to_date")
# Shown apart from the entry's other details: who it was (the actor column says it).
HIDDEN_DETAILS = frozenset({"before", "after", "actor_id"})


@dataclass
class Criteria:
    """What the auditor typed, and the filter it makes (or why it makes none)."""

    values: dict[str, str]
    where: service.AuditFilter = field(default_factory=service.AuditFilter)
    error: str = ""

    def query(self, **more: object) -> str:
        kept = {name: value for name, value in self.values.items() if value}
        return urlencode({**kept, **{k: v for k, v in more.items() if v is not None}})


def _day(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{label} is a date like 2026-11-29.") from None


def local_day_span(first: date | None, last: date | None,
                   zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Whole days on the city's clocks, as the trail's instants: from midnight of `first`
    up to (not including) midnight after `last`."""
    since = datetime.combine(first, time(0), zone) if first else None
    until = datetime.combine(last + timedelta(days=1), time(0), zone) if last else None
    return since, until


def criteria(
    settings: SettingsDep,
    actor: Annotated[Text, Query(max_length=FIELD_MAX)] = "",
    action: Annotated[Text, Query(max_length=FIELD_MAX)] = "",
    object_type: Annotated[Text, Query(max_length=FIELD_MAX)] = "",
    object_id: Annotated[Text, Query(max_length=FIELD_MAX)] = "",
    from_date: Annotated[Text, Query(max_length=20)] = "",
    to_date: Annotated[Text, Query(max_length=20)] = "",
) -> Criteria:
    values = {"actor": actor.strip(), "action": action.strip(),
              "object_type": object_type.strip(), "object_id": object_id.strip(),
              "from_date": from_date.strip(), "to_date": to_date.strip()}
    try:
        first = _day(values["from_date"], "From")
        last = _day(values["to_date"], "To")
    except BadRequest as error:
        return Criteria(values, error=error.detail)
    if first and last and last < first:
        return Criteria(values, error="To is before From: nothing could match.")
    since, until = local_day_span(first, last, settings.zone)
    where = service.AuditFilter(values["actor"] or None, values["action"] or None,
                                values["object_type"] or None, values["object_id"] or None,
                                since, until)
    return Criteria(values, where)


CriteriaDep = Annotated[Criteria, Depends(criteria)]


@dataclass(frozen=True)
class Shown:
    """One entry as the trail page shows it."""

    entry: AuditEntryOut
    before: Any
    after: Any
    other: dict[str, Any]


def shown(entry: Any) -> Shown:
    out = AuditEntryOut.model_validate(entry, from_attributes=True)
    details = out.details
    return Shown(out, details.get("before"), details.get("after"),
                 {k: v for k, v in sorted(details.items()) if k not in HIDDEN_DETAILS})


@router.get("/audit")
def trail(request: Request, auditor: AuditorStaff, session: ReadSessionDep, found: CriteriaDep,
          page: PageDep) -> Response:
    listed = None if found.error else paginate(
        session, service.listed(found.where, newest_first=True), page, shown)
    previous = max(page.offset - page.limit, 0) if page.offset else None
    following = page.offset + page.limit if listed and page.offset + page.limit < listed.total \
        else None
    return render(request, "audit/trail.html", {
        "found": found, "listed": listed, "limit": page.limit,
        "previous": None if previous is None else found.query(offset=previous, limit=page.limit),
        "following": None if following is None else found.query(offset=following,
                                                                 limit=page.limit),
    }, status=400 if found.error else 200)


@router.post("/audit/verify")
def verify(request: Request, auditor: AuditorStaff, session: ReadSessionDep) -> Response:
    """The API's verification (GET /api/v1/audit/verify): audited, with its verdict."""
    verdict = service.verify(session, auditor.actor)
    partial = bool(request.headers.get("hx-request"))
    return render(request, "audit/_verdict.html" if partial else "audit/verify.html",
                  {"verdict": asdict(verdict)})


@router.get("/audit/export")
def download(auditor: AuditorStaff, session: ReadSessionDep, database: DatabaseDep,
             found: CriteriaDep, format: ExportFormat = "jsonl") -> StreamingResponse:
    """The same file as GET /api/v1/audit/export with the same filter (audited the same way)."""
    if found.error:
        raise BadRequest(f"{found.error} Nothing was exported.")
    return export.download(session, database, auditor.actor, found.where, format)
