"""Legal holds: /api/v1/holds. Attorneys manage them; auditors read; nobody else."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.deps import PUBLIC, AttorneyUser, HoldReader
from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.deps import (
    EngineDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
    client_address,
    request_id,
)
from app.core.pagination import Page, PageDep, paginate
from app.core.settings import Settings
from app.holds import notices, report, service
from app.holds.schemas import (
    AcknowledgeIn,
    AcknowledgementOut,
    AcknowledgementPage,
    HeldBreakdownOut,
    HoldIn,
    HoldOut,
    HoldPatch,
    IssueIn,
    NoticeTemplateIn,
    NoticeTemplateOut,
    ReleaseIn,
)
from app.models import (
    Document,
    HeldDocument,
    Hold,
    HoldAcknowledgement,
    HoldNoticeTemplate,
    HoldStatus,
    Location,
    NoticeKind,
    Person,
)
from app.portal.throttle import opened

router = APIRouter(prefix="/api/v1/holds", tags=["holds"])


def show(session: Session, hold: Hold) -> HoldOut:
    return HoldOut(**{name: getattr(hold, name) for name in HoldOut.model_fields
                      if name not in {"custodians", "documents_held",
                                      "acknowledgements_outstanding"}},
                   custodians=service.custodians(session, hold),
                   documents_held=service.held_count(session, hold),
                   acknowledgements_outstanding=notices.outstanding(session, hold))


@router.post("", status_code=201, response_model=HoldOut)
def create_hold(body: HoldIn, attorney: AttorneyUser, session: SessionDep) -> HoldOut:
    """Draft a hold (audited as `hold.create`); nothing is held until it is issued."""
    return show(session, service.create(session, attorney.actor, body))


@router.get("", response_model=Page[HoldOut])
def list_holds(reader: HoldReader, session: ReadSessionDep, page: PageDep,
               status: HoldStatus | None = None) -> Page[HoldOut]:
    query = select(Hold).order_by(Hold.created_at.desc(), Hold.id)
    if status is not None:
        query = query.where(Hold.status == status)
    return paginate(session, query, page, lambda hold: show(session, hold))


@router.get("/{hold_id}", response_model=HoldOut)
def get_hold(hold_id: uuid.UUID, reader: HoldReader, session: ReadSessionDep) -> HoldOut:
    return show(session, service.hold_of(session, hold_id))


@router.patch("/{hold_id}", response_model=HoldOut)
def update_hold(hold_id: uuid.UUID, body: HoldPatch, attorney: AttorneyUser,
                session: SessionDep, settings: SettingsDep, engine: EngineDep) -> HoldOut:
    """Edit a hold. A scope change (custodians, dates, query, sources) of an active hold
    recomputes what it holds (`hold.rescope`); a released hold cannot change."""
    hold = service.update(session, engine, settings, attorney.actor,
                          service.hold_of(session, hold_id), body)
    return show(session, hold)


@router.post("/{hold_id}/issue", response_model=HoldOut)
def issue_hold(hold_id: uuid.UUID, body: IssueIn, attorney: AttorneyUser, session: SessionDep,
               settings: SettingsDep, engine: EngineDep) -> HoldOut:
    """Activate a draft hold: every document its scope covers is held from now on, mail that
    lands later for its custodians is held as it is stored (`hold.issue`), and each
    custodian is mailed the notice with a personal link to acknowledge it."""
    hold = service.hold_of(session, hold_id)
    service.issue(session, engine, settings, attorney.actor, hold, body.version)
    return show(session, hold)


@router.post("/{hold_id}/release", response_model=HoldOut)
def release_hold(hold_id: uuid.UUID, body: ReleaseIn, attorney: AttorneyUser,
                 session: SessionDep, settings: SettingsDep) -> HoldOut:
    """End an active hold (`hold.release`, with the reason) and mail the release notice; its
    documents stay held only where another active hold covers them."""
    hold = service.hold_of(session, hold_id)
    service.release(session, settings, attorney.actor, hold, body.version, body.reason)
    return show(session, hold)


@router.get("/{hold_id}/documents", response_model=list[HeldBreakdownOut])
def held_documents(hold_id: uuid.UUID, reader: HoldReader,
                   session: ReadSessionDep) -> list[HeldBreakdownOut]:
    """The hold's documents by custodian and source (families counted once per location)."""
    hold = service.hold_of(session, hold_id)
    heads = select(HeldDocument.document_id).where(HeldDocument.hold_id == hold.id)
    rows = session.execute(
        select(Location.custodian, Location.source, func.count(func.distinct(Document.id)))
        .join(Document, Document.id == Location.document_id)
        .where(Document.id.in_(heads))
        .group_by(Location.custodian, Location.source)
        .order_by(Location.custodian, Location.source))
    return [HeldBreakdownOut(custodian=c, source=s, documents=n) for c, s, n in rows]


@router.get("/{hold_id}/acknowledgements", response_model=list[AcknowledgementOut])
def acknowledgements(hold_id: uuid.UUID, reader: HoldReader,
                     session: ReadSessionDep) -> list[AcknowledgementOut]:
    """Each custodian's acknowledgement per scope: when noticed, reminded, escalated,
    acknowledged (from which address), and their answers."""
    hold = service.hold_of(session, hold_id)
    rows = session.execute(select(HoldAcknowledgement, Person.name)
                           .join(Person, Person.id == HoldAcknowledgement.person_id)
                           .where(HoldAcknowledgement.hold_id == hold.id)
                           .order_by(HoldAcknowledgement.scope_version, Person.name))
    return [AcknowledgementOut(person_name=name, **{
        field: getattr(ack, field) for field in AcknowledgementOut.model_fields
        if field != "person_name"}) for ack, name in rows]


@router.get("/{hold_id}/report", responses={200: {"content": {
    "text/csv": {}, "application/pdf": {}}, "description": "The report as CSV or PDF"}})
def hold_report(hold_id: uuid.UUID, reader: HoldReader, session: ReadSessionDep,
                settings: SettingsDep, format: Annotated[Literal["pdf", "csv"], Query()] = "pdf",
                part: Annotated[Literal["custodians", "documents", "history"], Query(
                    description="Which part the CSV holds (the PDF holds all three)")]
                = "custodians") -> Response:
    """The hold's report: custodians with their acknowledgements and answers, held documents
    by custodian and source, and the full history (audited as `hold.report`)."""
    hold = service.hold_of(session, hold_id)
    found = report.gather(session, hold, settings.zone)
    audit.record(session, reader.actor, "hold.report", "hold", hold.id, format=format,
                 part=part if format == "csv" else "all")
    if format == "csv":
        return Response(report.as_csv(found, part), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="hold-{part}.csv"'})
    return Response(report.as_pdf(found), media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="hold-report.pdf"'})


templates = APIRouter(prefix="/api/v1/hold-notice-templates", tags=["holds"])


def template_out(template: HoldNoticeTemplate) -> NoticeTemplateOut:
    return NoticeTemplateOut.model_validate(template, from_attributes=True)


@templates.get("", response_model=list[NoticeTemplateOut])
def list_templates(reader: HoldReader, session: ReadSessionDep) -> list[NoticeTemplateOut]:
    """The wording in use for each kind of notice (its highest version)."""
    return [template_out(notices.current_template(session, kind)) for kind in NoticeKind]


@templates.put("/{kind}", response_model=NoticeTemplateOut)
def edit_template(kind: NoticeKind, body: NoticeTemplateIn, attorney: AttorneyUser,
                  session: SessionDep, settings: SettingsDep) -> NoticeTemplateOut:
    """Save new wording as the next version (`hold_notice_template.edit`). It is checked in
    the letters' sandbox first: names it may use are listed in the README."""
    saved = notices.save_template(session, settings, attorney.actor, kind,
                                  body.subject_template, body.body_template)
    return template_out(saved)


public = APIRouter(prefix="/api/v1/portal/acknowledgements", tags=["holds"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown, superseded or ended link (no hint which)"},
    429: {"description": "Too many unknown links from this address"}}


def _actor(request: Request, session: Session, settings: Settings, token: str) -> Actor:
    """The custodian's actor, unless this address has guessed too many links."""
    ack, _, _ = opened(request, settings, clock_of(session).now(),
                       lambda: notices.by_token(session, token))
    return Actor(f"custodian {ack.person_id}", client_address(request), request_id(request))


@public.get("/{token}", response_model=AcknowledgementPage, openapi_extra=PUBLIC,
            responses=NOT_FOUND)
def acknowledgement_page(token: str, request: Request, session: ReadSessionDep,
                         settings: SettingsDep) -> AcknowledgementPage:
    """What a custodian's link shows: the hold, and the questions to answer. No account."""
    actor = _actor(request, session, settings, token)
    ack, hold, person = notices.by_token(session, token)
    audit.record(session, actor, "hold.notice_view", "hold", hold.id, person_id=str(person.id))
    return AcknowledgementPage(
        matter_name=hold.matter_name, matter_number=hold.matter_number,
        description=hold.description, attorney=hold.attorney, custodian_name=person.name,
        notified_at=ack.notified_at, acknowledged_at=ack.acknowledged_at,
        questions=notices.QUESTIONS)


@public.post("/{token}", response_model=AcknowledgementPage, openapi_extra=PUBLIC,
             responses={**NOT_FOUND, 409: {"description": "Already acknowledged"}})
def acknowledge(token: str, body: AcknowledgeIn, request: Request, session: SessionDep,
                settings: SettingsDep) -> AcknowledgementPage:
    """Acknowledge the notice, with where else relevant records live; recorded with the
    time and the address it came from (`hold.acknowledge`)."""
    actor = _actor(request, session, settings, token)
    ack = notices.acknowledge(session, actor, token, body.model_dump())
    _, hold, person = notices.by_token(session, token)
    return AcknowledgementPage(
        matter_name=hold.matter_name, matter_number=hold.matter_number,
        description=hold.description, attorney=hold.attorney, custodian_name=person.name,
        notified_at=ack.notified_at, acknowledged_at=ack.acknowledged_at,
        questions=notices.QUESTIONS)
