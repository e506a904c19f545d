"""Retention: /api/v1/retention (schedules, runs, a family's class) and the guarded
DELETE /api/v1/documents/{id}."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from app.auth.deps import AdminUser, AuditorUser, ClerkUser
from app.core.blobs import BlobStore
from app.core.deps import EngineDep, ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep, paginate
from app.retention import service
from app.retention.schemas import (
    FamilyClassIn,
    FamilyClassOut,
    RunIn,
    RunOut,
    RunResultOut,
    ScheduleIn,
    ScheduleOut,
    SchedulesOut,
)

router = APIRouter(prefix="/api/v1", tags=["retention"])
HELD: dict[int | str, dict[str, Any]] = {409: {
    "description": "A legal hold covers the family: nothing was changed. "
                   "`holds` names each hold (hold_id, matter_name)."}}


@router.get("/retention/schedules", response_model=SchedulesOut)
def list_schedules(_: AdminUser, session: ReadSessionDep) -> SchedulesOut:
    """The schedules in force, and every record class (a class without one is kept forever)."""
    return SchedulesOut(schedules=[ScheduleOut.model_validate(s) for s in service.schedules(session)],
                        classes=service.known_classes(session))


@router.get("/retention/schedules/{record_class}", response_model=ScheduleOut)
def get_schedule(record_class: str, _: AdminUser, session: ReadSessionDep) -> ScheduleOut:
    return ScheduleOut.model_validate(service.schedule(session, record_class))


@router.put("/retention/schedules/{record_class}", response_model=ScheduleOut)
def put_schedule(record_class: str, body: ScheduleIn, admin: AdminUser,
                 session: SessionDep) -> ScheduleOut:
    """Keep a class for `days` (null: forever); a new name adds the class. Audited with
    before and after."""
    return ScheduleOut.model_validate(
        service.set_schedule(session, admin.actor, record_class, body.days))


@router.delete("/retention/schedules/{record_class}", status_code=204)
def delete_schedule(record_class: str, admin: AdminUser, session: SessionDep) -> Response:
    """Remove a schedule: the class is kept forever again. Audited."""
    service.delete_schedule(session, admin.actor, record_class)
    return Response(status_code=204)


@router.post("/retention/runs", response_model=RunResultOut, status_code=201, responses=HELD)
def create_run(body: RunIn, admin: AdminUser, session: SessionDep, settings: SettingsDep,
               engine: EngineDep) -> RunResultOut:
    """Purge the expired families no hold touches (or, `dry_run`, list them and purge
    nothing); the certificate comes back and is kept with its SHA-256. Audited."""
    result = service.run(session, admin.actor, settings.data_dir, BlobStore(settings.natives_dir),
                         engine, body.dry_run)
    return RunResultOut(run=RunOut.model_validate(result.run), certificate=result.certificate)


@router.get("/retention/runs", response_model=Page[RunOut])
def list_runs(_: AuditorUser, session: ReadSessionDep, page: PageDep) -> Page[RunOut]:
    """Purge runs, newest first."""
    return paginate(session, service.runs_listed(), page, RunOut.model_validate)


@router.get("/retention/runs/{run_id}/certificate", response_class=Response, responses={200: {
    "description": "The certificate's JSON, byte for byte as stored",
    "content": {"application/json": {}}}})
def get_certificate(run_id: uuid.UUID, _: AuditorUser, session: ReadSessionDep,
                    settings: SettingsDep) -> Response:
    """The stored certificate, checked against its recorded SHA-256 (409 if it was altered)."""
    found = service.run_of(session, run_id)
    return Response(service.certificate_of(settings.data_dir, found),
                    media_type="application/json",
                    headers={"X-Content-SHA256": found.certificate_sha256})


@router.patch("/retention/families/{document_id}", response_model=FamilyClassOut)
def set_family_class(document_id: uuid.UUID, body: FamilyClassIn, clerk: ClerkUser,
                     session: SessionDep) -> FamilyClassOut:
    """File the document's whole family under another record class. Audited."""
    members = service.set_family_class(session, clerk.actor, document_id, body.record_class)
    return FamilyClassOut(family_id=members[0].family_id, record_class=body.record_class,
                          documents=len(members))


@router.delete("/documents/{document_id}", response_model=RunResultOut, tags=["documents"],
               responses=HELD)
def delete_document(document_id: uuid.UUID, admin: AdminUser, session: SessionDep,
                    settings: SettingsDep, engine: EngineDep) -> RunResultOut:
    """Purge the document's whole family (rows, natives no one else uses, index copies),
    with a certificate, unless a legal hold covers any of it (409 naming the holds)."""
    result = service.delete_family(session, admin.actor, settings.data_dir,
                                   BlobStore(settings.natives_dir), engine, document_id)
    return RunResultOut(run=RunOut.model_validate(result.run), certificate=result.certificate)


@router.post("/people/{person_id}/offboard", response_model=RunResultOut, tags=["people"],
             responses=HELD)
def offboard_person(person_id: uuid.UUID, admin: AdminUser, session: SessionDep,
                    settings: SettingsDep, engine: EngineDep) -> RunResultOut:
    """Off-board a departed person: purge their mail that no one else's mailbox also holds,
    with a certificate; refused whole while a legal hold covers any of it (409 naming the
    holds, nothing changed)."""
    result = service.offboard(session, admin.actor, settings.data_dir,
                              BlobStore(settings.natives_dir), engine, person_id)
    return RunResultOut(run=RunOut.model_validate(result.run), certificate=result.certificate)


@router.delete("/ingest/jobs/{job_id}/documents", response_model=RunResultOut, tags=["ingest"],
               responses=HELD)
def clean_up_ingest(job_id: uuid.UUID, admin: AdminUser, session: SessionDep,
                    settings: SettingsDep, engine: EngineDep) -> RunResultOut:
    """Re-ingest clean-up: remove what a finished ingest job stored that no other job's
    locations hold, so the source can be ingested again; refused whole while a legal hold
    covers any of it (409 naming the holds, nothing changed)."""
    result = service.clean_up_ingest(session, admin.actor, settings.data_dir,
                                     BlobStore(settings.natives_dir), engine, job_id)
    return RunResultOut(run=RunOut.model_validate(result.run), certificate=result.certificate)
