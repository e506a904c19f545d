from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from app.auth.deps import ClerkUser, RequestReader
from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.deps import DatabaseDep, ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep, paginate
from app.core.settings import Settings
from app.letters import service, templates
from app.letters.schemas import (
    LetterCreate,
    LetterOut,
    TemplateDetail,
    TemplateOut,
    TemplateVersionCreate,
    TemplateVersionOut,
)
from app.models import Letter, LetterTemplate, LetterTemplateVersion
from app.requests.lookup import records_request

router = APIRouter(prefix="/api/v1", tags=["letters"])
# A letter's HTML shown in a browser: its own styles, pictures inlined as data:, nothing run.
LETTER_HTML_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
                      "frame-ancestors 'none'")


def letter_out(session: Session, letter: Letter) -> LetterOut:
    version = session.get_one(LetterTemplateVersion, letter.template_version_id)
    delivery, note = service.delivery(session, letter)
    return LetterOut(
        id=letter.id, request_id=letter.request_id, kind=letter.kind, template_id=version.template_id,
        template_version=version.version, subject=letter.subject, html_sha256=letter.html_sha256,
        pdf_sha256=letter.pdf_sha256, recipient=letter.recipient, delivery=delivery, delivery_note=note,
        outbox_message_id=letter.outbox_message_id, created_by=letter.created_by,
        created_at=letter.created_at)


def version_out(version: LetterTemplateVersion) -> TemplateVersionOut:
    return TemplateVersionOut.model_validate(version, from_attributes=True)


def template_out(template: LetterTemplate, current: LetterTemplateVersion) -> TemplateOut:
    return TemplateOut(id=template.id, kind=template.kind, name=template.name, current=version_out(current))


@router.get("/letter-templates", response_model=list[TemplateOut])
def list_templates(reader: RequestReader, session: ReadSessionDep) -> list[TemplateOut]:
    """Each kind of letter's template, with its current wording."""
    return [template_out(t, v) for t, v in templates.all_templates(session)]


@router.get("/letter-templates/{template_id}", response_model=TemplateDetail)
def get_template(template_id: uuid.UUID, reader: RequestReader, session: ReadSessionDep) -> TemplateDetail:
    """A template and every version of its wording, newest first."""
    found = templates.template(session, template_id)
    every = templates.versions(session, found.id)
    return TemplateDetail(**template_out(found, every[0]).model_dump(),
                          versions=[version_out(v) for v in every])


@router.post("/letter-templates/{template_id}/versions", status_code=201, response_model=TemplateVersionOut,
             responses={400: {"description": "The template does not compile, names something letters do "
                                             "not know, or reaches for internals: the line is named"}})
def edit_template(template_id: uuid.UUID, body: TemplateVersionCreate, clerk: ClerkUser,
                  session: SessionDep, settings: SettingsDep) -> TemplateVersionOut:
    """Save new wording as the template's next version (earlier versions are kept). Audited."""
    version = templates.save_version(session, clerk.actor, template_id, body.subject_template,
                                     body.body_template, settings.city_name)
    return version_out(version)


@router.post("/requests/{request_id}/letters", status_code=201, response_model=LetterOut)
def create_letter(request_id: uuid.UUID, body: LetterCreate, clerk: ClerkUser, database: DatabaseDep,
                  settings: SettingsDep) -> LetterOut:
    """Make a letter from the current template of its kind, store its HTML and PDF, and e-mail
    the PDF to the requester (when the request has no address, it is stored, not sent). Audited."""
    with database.reading() as session:  # the PDF is drawn before the write, not during it
        made = service.draft_letter(session, settings, request_id, body)
    with database.transaction() as session:
        letter = service.file_letter(session, clerk.actor, BlobStore(settings.natives_dir), made)
        return letter_out(session, letter)


@router.get("/requests/{request_id}/letters", response_model=Page[LetterOut])
def list_letters(request_id: uuid.UUID, reader: RequestReader, session: ReadSessionDep,
                 page: PageDep) -> Page[LetterOut]:
    """A request's letters, oldest first, with where each one's e-mail stands."""
    records_request(session, request_id)
    return paginate(session, service.letters_of(request_id), page, lambda row: letter_out(session, row))


PDF: dict[int | str, dict[str, Any]] = {
    200: {"description": "The letter as PDF", "content": {"application/pdf": {}}}}
HTML: dict[int | str, dict[str, Any]] = {
    200: {"description": "The letter as HTML", "content": {"text/html": {}}}}


def download(session: Session, actor: Actor, settings: Settings, letter: Letter,
             media_type: str) -> FileResponse:
    """A letter's stored bytes, streamed from the BlobStore; every download is audited."""
    pdf = media_type == "application/pdf"
    digest = letter.pdf_sha256 if pdf else letter.html_sha256
    audit.record(session, actor, "letter.download", "letter", letter.id, format="pdf" if pdf else "html",
                 sha256=digest)
    headers = {"X-Content-SHA256": digest}
    if not pdf:
        headers["Content-Security-Policy"] = LETTER_HTML_POLICY
    return FileResponse(BlobStore(settings.natives_dir).path(digest), media_type=media_type,
                        filename=f"{letter.id}.{'pdf' if pdf else 'html'}", content_disposition_type="inline",
                        headers=headers)


@router.get("/requests/{request_id}/letters/{letter_id}.pdf", response_class=FileResponse, responses=PDF)
def letter_pdf(request_id: uuid.UUID, letter_id: uuid.UUID, reader: RequestReader, session: ReadSessionDep,
               settings: SettingsDep) -> FileResponse:
    """The letter's PDF, as sent."""
    return download(session, reader.actor, settings, service.letter(session, request_id, letter_id),
                    "application/pdf")


@router.get("/requests/{request_id}/letters/{letter_id}.html", response_class=FileResponse, responses=HTML)
def letter_html(request_id: uuid.UUID, letter_id: uuid.UUID, reader: RequestReader, session: ReadSessionDep,
                settings: SettingsDep) -> FileResponse:
    """The letter's HTML, as rendered from its template (shown with nothing allowed to run)."""
    return download(session, reader.actor, settings, service.letter(session, request_id, letter_id),
                    "text/html; charset=utf-8")
