"""Legal holds: /api/v1/holds. Attorneys manage them; auditors read; nobody else."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.deps import AttorneyUser, HoldReader
from app.core.deps import EngineDep, ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep, paginate
from app.holds import service
from app.holds.schemas import HeldBreakdownOut, HoldIn, HoldOut, HoldPatch, IssueIn, ReleaseIn
from app.models import Document, HeldDocument, Hold, HoldStatus, Location

router = APIRouter(prefix="/api/v1/holds", tags=["holds"])


def show(session: Session, hold: Hold) -> HoldOut:
    return HoldOut(**{name: getattr(hold, name) for name in HoldOut.model_fields
                      if name not in {"custodians", "documents_held"}},
                   custodians=service.custodians(session, hold),
                   documents_held=service.held_count(session, hold))


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
    hold = service.update(session, engine, settings.zone, attorney.actor,
                          service.hold_of(session, hold_id), body)
    return show(session, hold)


@router.post("/{hold_id}/issue", response_model=HoldOut)
def issue_hold(hold_id: uuid.UUID, body: IssueIn, attorney: AttorneyUser, session: SessionDep,
               settings: SettingsDep, engine: EngineDep) -> HoldOut:
    """Activate a draft hold: every document its scope covers is held from now on, and mail
    that lands later for its custodians is held as it is stored (`hold.issue`)."""
    hold = service.hold_of(session, hold_id)
    service.issue(session, engine, settings.zone, attorney.actor, hold, body.version)
    return show(session, hold)


@router.post("/{hold_id}/release", response_model=HoldOut)
def release_hold(hold_id: uuid.UUID, body: ReleaseIn, attorney: AttorneyUser,
                 session: SessionDep) -> HoldOut:
    """End an active hold (`hold.release`, with the reason); its documents stay held only
    where another active hold covers them."""
    hold = service.hold_of(session, hold_id)
    service.release(session, attorney.actor, hold, body.version, body.reason)
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
