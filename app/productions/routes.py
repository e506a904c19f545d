"""Productions and Bates series: /api/v1/productions and /api/v1/bates-series.

A request's production is the clerk's office's, a hold's the attorney's; the case file's
readers read the first, the holds' readers the second.
"""

from __future__ import annotations

import uuid
import zipfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.deps import Allowed, ClerkUser, Principal, RequestReader, ReviewerUser
from app.core import audit
from app.core.deps import DatabaseDep, ReadSessionDep, SessionDep, SettingsDep
from app.core.errors import Conflict
from app.core.pagination import Page, PageDep, paginate
from app.core.settings import Settings
from app.models import (
    BatesSeries,
    Document,
    Production,
    ProductionDocument,
    ProductionStatus,
    ReleaseDownload,
)
from app.productions import series as bates
from app.productions import service, tasks
from app.productions.schemas import (
    BuildQueued,
    ProductionDocumentOut,
    ProductionIn,
    ProductionOut,
    ReleaseDownloadOut,
    SeriesIn,
    SeriesOut,
    Span,
)

router = APIRouter(prefix="/api/v1", tags=["productions"])
LOGS = {"redaction_log.csv": "text/csv; charset=utf-8",
        "privilege_log.csv": "text/csv; charset=utf-8", "privilege_log.pdf": "application/pdf"}
ZIP: dict[int | str, dict[str, Any]] = {
    200: {"description": "The package", "content": {"application/zip": {}}}}


def show(session: Session, production: Production) -> ProductionOut:
    series = session.get_one(BatesSeries, production.series_id)
    counts = service.counts(session, production)
    return ProductionOut(
        id=production.id, name=production.name, request_id=production.request_id,
        hold_id=production.hold_id, series_id=series.id, prefix=series.prefix,
        volume=production.volume, status=production.status, endorsement=production.endorsement,
        first_number=production.first_number, last_number=production.last_number,
        first_bates=bates.label(series, production.first_number),
        last_bates=(bates.label(series, production.last_number)
                    if production.last_number is not None else None),
        package_date=production.package_date, package_sha256=production.package_sha256,
        package_size=production.package_size, documents=sum(counts.values()), counts=counts,
        verification=production.verification, built_at=production.built_at,
        finalized_at=production.finalized_at, released_at=production.released_at,
        expires_on=production.expires_on, created_by=production.created_by,
        created_at=production.created_at, version=production.version)


def _readable(session: Session, principal: Principal, production_id: uuid.UUID) -> Production:
    production = service.production_of(session, production_id)
    service.may_read(principal, production)
    return production


def _managed(session: Session, principal: Principal, production_id: uuid.UUID) -> Production:
    production = service.production_of(session, production_id)
    service.may_manage(principal, production)
    return production


@router.post("/bates-series", response_model=SeriesOut, status_code=201)
def create_series(body: SeriesIn, who: ReviewerUser, session: SessionDep) -> SeriesOut:
    """Add a Bates series: the city's (clerks) or a matter's (attorneys). Its numbers continue
    across its productions; the prefix is unique."""
    return SeriesOut.model_validate(bates.create(session, who.actor, body))


@router.get("/bates-series", response_model=list[SeriesOut])
def list_series(_: RequestReader, session: ReadSessionDep) -> list[SeriesOut]:
    return [SeriesOut.model_validate(s) for s in bates.every(session)]


@router.post("/productions", response_model=ProductionOut, status_code=201)
def create_production(body: ProductionIn, who: ReviewerUser, session: SessionDep,
                      settings: SettingsDep) -> ProductionOut:
    """Draft a production from a request's review set (clerks) or a hold's documents
    (attorneys): what is produced, redacted or withheld is decided now, for every rebuild."""
    return show(session, service.create(session, who, settings, body))


@router.get("/productions", response_model=Page[ProductionOut])
def list_productions(who: RequestReader, session: ReadSessionDep, page: PageDep,
                     request_id: Annotated[uuid.UUID | None, Query()] = None,
                     hold_id: Annotated[uuid.UUID | None, Query()] = None,
                     status: Annotated[ProductionStatus | None, Query()] = None,
                     ) -> Page[ProductionOut]:
    """Productions, newest first (a hold's only for the holds' readers)."""
    holds_too = bool(who.roles & set(Allowed.hold_reader))
    query = service.listing(request_id, hold_id, status, holds_too)
    return paginate(session, query, page, lambda p: show(session, p))


@router.get("/productions/{production_id}", response_model=ProductionOut)
def get_production(production_id: uuid.UUID, who: RequestReader,
                   session: ReadSessionDep) -> ProductionOut:
    return show(session, _readable(session, who, production_id))


@router.get("/productions/{production_id}/documents", response_model=Page[ProductionDocumentOut])
def production_documents(production_id: uuid.UUID, who: RequestReader, session: ReadSessionDep,
                         page: PageDep) -> Page[ProductionDocumentOut]:
    """The production's documents in order, with their dispositions and Bates ranges."""
    production = _readable(session, who, production_id)

    def one(entry: ProductionDocument) -> ProductionDocumentOut:
        document = session.get_one(Document, entry.document_id)
        return ProductionDocumentOut(
            position=entry.position, document_id=entry.document_id, kind=document.kind.value,
            subject=document.subject, filename=document.filename,
            disposition=entry.disposition, withheld_ground=entry.withheld_ground,
            citation_code=entry.citation_code,
            redactions=[Span(start=s["start"], end=s["end"], citation=s.get("citation", ""),
                             reason=s.get("reason", ""), reviewer=s.get("reviewer", ""))
                        for s in entry.redactions],
            begin_bates=entry.begin_bates, end_bates=entry.end_bates, pages=entry.pages)

    return paginate(session, service.documents_of(production), page, one)


@router.post("/productions/{production_id}/build", response_model=BuildQueued, status_code=202)
def build_production(production_id: uuid.UUID, who: ReviewerUser,
                     session: SessionDep) -> BuildQueued:
    """Queue the build: the package is written, numbered from the series' next number, and
    the leak verifier runs on it (the production becomes verified or blocked)."""
    production = _managed(session, who, production_id)
    if production.status not in service.REBUILDABLE:
        raise Conflict(f"A {production.status.value} production is not built again: its "
                       "numbers are taken.")
    job = tasks.queue_build(session, who.actor, production.id)
    audit.record(session, who.actor, "production.build_queued", "production", production.id,
                 job_id=str(job.id))
    return BuildQueued(production_id=production.id, job_id=job.id, status=job.status.value)


@router.post("/productions/{production_id}/verify", response_model=ProductionOut)
def verify_production(production_id: uuid.UUID, who: ReviewerUser, database: DatabaseDep,
                      settings: SettingsDep) -> ProductionOut:
    """Run the leak verifier on the package again; its report is stored with the production."""
    service.verify(database, who.actor, settings, lambda session: _managed(session, who, production_id))
    with database.reading() as session:
        return show(session, service.production_of(session, production_id))


@router.post("/productions/{production_id}/finalize", response_model=ProductionOut)
def finalize_production(production_id: uuid.UUID, who: ReviewerUser,
                        session: SessionDep) -> ProductionOut:
    """Take the numbers from the series (only a verified production, still numbered from the
    series' next number: 409 otherwise, nothing changed)."""
    production = _managed(session, who, production_id)
    return show(session, service.finalize(session, who.actor, production))


@router.post("/productions/{production_id}/release", response_model=ProductionOut)
def release_production(production_id: uuid.UUID, clerk: ClerkUser, session: SessionDep,
                       settings: SettingsDep) -> ProductionOut:
    """Offer the package on the requester's tracking page until the city's expiry, move the
    request to fulfilled or partially denied, and file the closing letter with the grounds."""
    production = _managed(session, clerk, production_id)
    return show(session, service.release(session, clerk.actor, settings, production))


def _package(settings: Settings, production: Production) -> zipfile.ZipFile:
    path = service.path_of(settings, production)
    if production.status == ProductionStatus.draft or not path.exists():
        raise Conflict("This production has no package yet: build it first.")
    return zipfile.ZipFile(path)


@router.get("/productions/{production_id}/package.zip", response_class=FileResponse,
            responses=ZIP)
def download_package(production_id: uuid.UUID, who: RequestReader, session: ReadSessionDep,
                     settings: SettingsDep) -> FileResponse:
    """The package as built (audited)."""
    production = _readable(session, who, production_id)
    _package(settings, production).close()
    audit.record(session, who.actor, "production.download", "production", production.id,
                 sha256=production.package_sha256, by="staff")
    return FileResponse(service.path_of(settings, production), media_type="application/zip",
                        filename=f"{production.volume}-{production.id}.zip")


@router.get("/productions/{production_id}/logs/{name}",
            responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}})
def production_log(production_id: uuid.UUID,
                   name: Literal["redaction_log.csv", "privilege_log.csv", "privilege_log.pdf"],
                   who: RequestReader, session: ReadSessionDep,
                   settings: SettingsDep) -> Response:
    """The redaction log or the withheld and privilege log, as in the package."""
    production = _readable(session, who, production_id)
    with _package(settings, production) as package:
        data = package.read(name)
    return Response(data, media_type=LOGS[name],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/productions/{production_id}/downloads", response_model=list[ReleaseDownloadOut])
def release_downloads(production_id: uuid.UUID, who: RequestReader,
                      session: ReadSessionDep) -> list[ReleaseDownloadOut]:
    """Each download of the released package by its requester, oldest first."""
    production = _readable(session, who, production_id)
    rows = session.scalars(select(ReleaseDownload).where(
        ReleaseDownload.production_id == production.id).order_by(ReleaseDownload.downloaded_at))
    return [ReleaseDownloadOut.model_validate(row) for row in rows]
