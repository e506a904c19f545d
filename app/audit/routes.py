from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BeforeValidator

from app.audit import export, service
from app.audit.schemas import AuditEntryOut, ExportFormat, VerdictOut
from app.auth.deps import AuditorUser
from app.core.deps import DatabaseDep, ReadSessionDep
from app.core.errors import BadRequest
from app.core.pagination import Page, PageDep, paginate
from app.core.payload import Text

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def _a_date_not_a_number(value: object) -> object:
    """Pydantic reads a bare number as Unix time: `until=2026` would mean 1970, not the year."""
    if isinstance(value, str):
        try:
            float(value)  # any way of writing a number: 2026, 0.5, 4e-36, 1_000
        except ValueError:
            return value
        raise ValueError("a date and time with a UTC offset, e.g. 2026-11-29T09:00:00-07:00")
    return value


Moment = Annotated[datetime | None, BeforeValidator(_a_date_not_a_number)]


def audit_filter(
    actor: Text | None = None,
    action: Text | None = None,
    object_type: Text | None = None,
    object_id: Text | None = None,
    since: Annotated[Moment, Query(description="Inclusive; with a UTC offset")] = None,
    until: Annotated[Moment, Query(description="Exclusive; with a UTC offset")] = None,
) -> service.AuditFilter:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise BadRequest(f"{name} needs a UTC offset, e.g. 2026-11-29T09:00:00-07:00.")
    return service.AuditFilter(actor, action, object_type, object_id, since, until)


FilterDep = Annotated[service.AuditFilter, Depends(audit_filter)]


@router.get("", response_model=Page[AuditEntryOut])
def list_entries(
    _: AuditorUser, session: ReadSessionDep, where: FilterDep, page: PageDep
) -> Page[AuditEntryOut]:
    return paginate(session, service.listed(where), page,
                    lambda e: AuditEntryOut.model_validate(e, from_attributes=True))


@router.get("/export", response_class=StreamingResponse, responses={200: {
    "content": {"application/x-ndjson": {}, "text/csv": {}}}})
def export_entries(
    auditor: AuditorUser,
    session: ReadSessionDep,
    database: DatabaseDep,
    where: FilterDep,
    format: ExportFormat = "jsonl",
) -> StreamingResponse:
    """The trail as JSON lines or CSV; who exported what is itself audited."""
    return export.download(session, database, auditor.actor, where, format)


@router.get("/verify", response_model=VerdictOut)
def verify(auditor: AuditorUser, session: ReadSessionDep) -> VerdictOut:
    """Recompute the hash chain and name the first broken entry, if any."""
    return VerdictOut(**asdict(service.verify(session, auditor.actor)))
