from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from app.auth.deps import PUBLIC, ClerkUser
from app.core.blobs import BlobStore
from app.core.deps import ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep, paginate
from app.models import RequestLink
from app.portal import service
from app.portal.schemas import LinkIssued, LinkOut, PortalLetter, PortalRelease, PortalRequest
from app.portal.throttle import open_link
from app.productions import service as productions
from app.requests.lookup import records_request

router = APIRouter(prefix="/api/v1", tags=["portal"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown or revoked link (no hint which)"},
                                             429: {"description": "Too many unknown links from this address"}}


def link_out(link: RequestLink) -> LinkOut:
    return LinkOut.model_validate(link, from_attributes=True)


@router.post("/requests/{request_id}/links", status_code=201, response_model=LinkIssued)
def create_link(request_id: uuid.UUID, clerk: ClerkUser, session: SessionDep) -> LinkIssued:
    """A secret link for the requester to follow this request without an account. The token is
    shown in this answer only; send it to the requester. Audited (without the token)."""
    link, token = service.create_link(session, clerk.actor, request_id)
    return LinkIssued(**link_out(link).model_dump(), token=token, path=f"/api/v1/portal/{token}")


@router.get("/requests/{request_id}/links", response_model=Page[LinkOut])
def list_links(request_id: uuid.UUID, clerk: ClerkUser, session: ReadSessionDep,
               page: PageDep) -> Page[LinkOut]:
    """A request's links, revoked ones included (their tokens are never shown again)."""
    records_request(session, request_id)
    return paginate(session, service.links_of(request_id), page, link_out)


@router.delete("/requests/{request_id}/links/{link_id}", response_model=LinkOut)
def revoke_link(request_id: uuid.UUID, link_id: uuid.UUID, clerk: ClerkUser, session: SessionDep) -> LinkOut:
    """Revoke a link: its token opens nothing from now on. Audited."""
    return link_out(service.revoke_link(session, clerk.actor, request_id, link_id))


@router.get("/portal/{token}", response_model=PortalRequest, openapi_extra=PUBLIC, responses=NOT_FOUND)
def portal(token: str, request: Request, session: ReadSessionDep, settings: SettingsDep) -> PortalRequest:
    """The requester's page: the request's number, status, due dates and letters. No account."""
    link, found, actor = open_link(request, session, settings, token)
    sent = service.view(session, actor, link, found)
    return PortalRequest(
        number=found.number, status=found.status.value, received_at=found.received_at,
        due_date=found.due_date, extended_due_date=found.extended_due_date,
        delivery_due_date=found.delivery_due_date,
        letters=[PortalLetter(id=letter.id, kind=letter.kind, subject=letter.subject,
                              created_at=letter.created_at, pdf=f"letters/{letter.id}.pdf")
                 for letter in sent],
        releases=[PortalRelease(id=p.id, name=p.name, volume=p.volume,
                                released_at=p.released_at, expires_on=p.expires_on,
                                size=p.package_size, sha256=p.package_sha256,
                                zip=f"releases/{p.id}.zip")
                  for p in productions.released_to(session, settings, found)
                  if p.released_at is not None and p.expires_on is not None])


@router.get("/portal/{token}/letters/{letter_id}.pdf", response_class=FileResponse, openapi_extra=PUBLIC,
            responses={**NOT_FOUND, 200: {"description": "The letter as PDF",
                                          "content": {"application/pdf": {}}}})
def portal_letter(token: str, letter_id: uuid.UUID, request: Request, session: ReadSessionDep,
                  settings: SettingsDep) -> FileResponse:
    """One of the request's letters, as PDF."""
    link, found, actor = open_link(request, session, settings, token)
    letter = service.letter_download(session, actor, link, found, letter_id)
    return FileResponse(BlobStore(settings.natives_dir).path(letter.pdf_sha256), media_type="application/pdf",
                        filename=f"{found.number}-{letter.kind.value}.pdf", content_disposition_type="inline")


@router.get("/portal/{token}/releases/{production_id}.zip", response_class=FileResponse,
            openapi_extra=PUBLIC,
            responses={**NOT_FOUND, 410: {"description": "The release has expired"},
                       200: {"description": "The released package",
                             "content": {"application/zip": {}}}})
def portal_release(token: str, production_id: uuid.UUID, request: Request,
                   session: ReadSessionDep, settings: SettingsDep) -> FileResponse:
    """A released package (audited, and counted in the production's downloads)."""
    link, found, actor = open_link(request, session, settings, token)
    production = productions.download(session, settings, actor, found, production_id)
    return FileResponse(productions.path_of(settings, production), media_type="application/zip",
                        filename=f"{found.number}-{production.volume}.zip")
