from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from app.auth.deps import AdminUser, ClerkUploader, ClerkUser, Principal
from app.core.db import Database
from app.core.deps import (
    CredentialsKeyDep,
    DatabaseDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
)
from app.core.errors import BadRequest, NotFound, PayloadTooLarge
from app.core.pagination import Page, PageDep, paginate
from app.ingest import connections, roots, service
from app.ingest.schemas import (
    ConnectionCreate,
    ConnectionOut,
    IngestErrorOut,
    JobCreate,
    JobOut,
    RootCreate,
    RootOut,
)
from app.ingest.uploads import Receiver, Upload
from app.models import IngestError, IngestJob, IngestRoot, MailConnection, Role
from ingest import jobs
from ingest.sources.base import SourceError

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])

UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {
        "type": "object", "required": ["custodian", "files"],
        "properties": {
            "custodian": {"type": "string", "maxLength": 200, "description": "Whose mail this is"},
            "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                      "description": "PST, mbox, EML, MSG, zip, voicemail audio and JSON"}}}}}}}


def job_out(job: IngestJob, principal: Principal, known: list[IngestRoot]) -> JobOut:
    source = jobs.public_source(job.source)
    if "paths" in source:  # `custodia ingest` on the server: its paths as the caller may see them
        source["paths"] = [roots.seen_by(p, Role.admin in principal.roles, known)
                           for p in source["paths"]]
    return JobOut.model_validate(
        {**{c: getattr(job, c) for c in JobOut.model_fields}, "status": job.status.value,
         "source": source})


@router.post("/jobs", response_model=JobOut, status_code=202)
def create_job(body: JobCreate, clerk: ClerkUser, session: SessionDep) -> JobOut:
    """Queue a path inside an ingest root, or a mailbox of a mail connection."""
    if body.source.type == "root":
        spec = roots.source(session, body.source.root, body.source.path)
    else:
        spec = connections.source(session, body.source.connection, body.source.folders)
    try:
        job = jobs.create_job(session, clerk.actor, body.custodian, spec)
    except SourceError as exc:
        raise BadRequest(str(exc)) from None
    return job_out(job, clerk, [])


@router.post("/uploads", response_model=JobOut, status_code=202, openapi_extra=UPLOAD_BODY)
async def upload(request: Request, clerk: ClerkUploader, database: DatabaseDep,
                 settings: SettingsDep) -> JobOut:
    """Upload files from your computer (multipart: `custodian` and one or more `files`).

    The body is streamed to disk and hashed as it arrives, up to CUSTODIA_UPLOAD_MAX_BYTES;
    the answer is the queued job, with each file's size and SHA-256.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.upload_max_bytes:
        raise PayloadTooLarge(f"An upload may be at most {settings.upload_max_bytes:,} bytes "
                              "(CUSTODIA_UPLOAD_MAX_BYTES); nothing was kept.")
    receiver = await run_in_threadpool(Receiver, request.headers.get("content-type", ""),
                                       settings.uploads_dir, settings.upload_max_bytes)
    try:
        async for chunk in request.stream():
            await run_in_threadpool(receiver.feed, chunk)
        received = await run_in_threadpool(receiver.finish)
        _check(received)
        await run_in_threadpool(receiver.keep, settings.uploads_dir)
        return await run_in_threadpool(_queue_upload, database, clerk, received)
    except BaseException:
        await run_in_threadpool(receiver.discard)
        raise


def _check(received: Upload) -> None:
    custodian = received.fields.get("custodian", "").strip()
    if not custodian or len(custodian) > 200 or "\x00" in custodian:
        raise BadRequest("Name the custodian: a form field `custodian` of 1 to 200 characters "
                         "(no NUL).")
    if not received.files:
        raise BadRequest("Send at least one file, as form field `files`.")


def _queue_upload(database: Database, clerk: Principal, received: Upload) -> JobOut:
    spec = {"type": "upload", "upload_id": str(received.id), "within": str(received.folder),
            "files": [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in received.files]}
    with database.transaction() as session:
        job = jobs.create_job(session, clerk.actor, received.fields["custodian"].strip(), spec)
        return job_out(job, clerk, [])


@router.get("/jobs", response_model=Page[JobOut])
def list_jobs(principal: ClerkUser, session: ReadSessionDep, page: PageDep) -> Page[JobOut]:
    known = roots.listing(session)
    return paginate(session, service.listing(), page, lambda job: job_out(job, principal, known))


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: uuid.UUID, principal: ClerkUser, session: ReadSessionDep) -> JobOut:
    job = session.get(IngestJob, job_id)
    if job is None:
        raise NotFound("No ingest job with that id.")
    return job_out(job, principal, roots.listing(session))


@router.get("/errors", response_model=Page[IngestErrorOut])
def list_errors(
    principal: ClerkUser, session: ReadSessionDep, page: PageDep,
    job_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[IngestErrorOut]:
    """Quarantined items: what, from where, and why."""
    query = select(IngestError).order_by(IngestError.created_at)
    if job_id is not None:
        query = query.where(IngestError.job_id == job_id)
    admin, known = Role.admin in principal.roles, roots.listing(session)

    def shown(error: IngestError) -> IngestErrorOut:
        out = IngestErrorOut.model_validate(error, from_attributes=True)
        return out.model_copy(update={"source": roots.seen_by(error.source, admin, known)})
    return paginate(session, query, page, shown)


def root_out(root: IngestRoot, principal: Principal) -> RootOut:
    return RootOut(id=root.id, name=root.name, description=root.description,
                   path=root.path if Role.admin in principal.roles else None,
                   created_by=root.created_by, created_at=root.created_at)


@router.get("/roots", response_model=list[RootOut])
def list_roots(principal: ClerkUser, session: ReadSessionDep) -> list[RootOut]:
    """The folders clerks may ingest from, by name (their paths: administrators only)."""
    return [root_out(r, principal) for r in roots.listing(session)]


@router.post("/roots", response_model=RootOut, status_code=201)
def create_root(body: RootCreate, admin: AdminUser, session: SessionDep,
                settings: SettingsDep) -> RootOut:
    """Let clerks ingest from a folder on the workers (not Custodia's data, not a system folder)."""
    return root_out(roots.create(session, admin.actor, settings, body.name, body.path,
                                 body.description), admin)


@router.delete("/roots/{root_id}", status_code=204)
def delete_root(root_id: uuid.UUID, admin: AdminUser, session: SessionDep) -> None:
    roots.delete(session, admin.actor, root_id)


def connection_out(connection: MailConnection, principal: Principal) -> ConnectionOut:
    admin = Role.admin in principal.roles
    return ConnectionOut(id=connection.id, name=connection.name, host=connection.host,
                         port=connection.port, security=connection.security,
                         username=connection.username if admin else None,
                         created_by=connection.created_by, created_at=connection.created_at)


@router.get("/connections", response_model=list[ConnectionOut])
def list_connections(principal: ClerkUser, session: ReadSessionDep) -> list[ConnectionOut]:
    """The mail servers clerks may pull mailboxes from, by name."""
    return [connection_out(c, principal) for c in connections.listing(session)]


@router.post("/connections", response_model=ConnectionOut, status_code=201)
def create_connection(body: ConnectionCreate, admin: AdminUser, session: SessionDep,
                      key: CredentialsKeyDep) -> ConnectionOut:
    """Set up a mail-server account; the password is stored encrypted and never shown again."""
    created = connections.create(session, admin.actor, key, body.name,
                                 body.host, body.port, body.security, body.username,
                                 body.password)
    return connection_out(created, admin)


@router.delete("/connections/{connection_id}", status_code=204)
def delete_connection(connection_id: uuid.UUID, admin: AdminUser, session: SessionDep) -> None:
    connections.delete(session, admin.actor, connection_id)
