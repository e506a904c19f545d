"""The requester's tracking page behind their secret link: where the request stands, its
letters (each a PDF), and the records released. The API's rules: the same throttle on
unknown links and the same 404, with no hint whether a link is unknown or revoked."""

from __future__ import annotations

import uuid

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from app.core.blobs import BlobStore
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import NotFound, TooManyRequests
from app.portal import service
from app.portal.pages import language_of, portal_page, refusal
from app.portal.throttle import open_link
from app.productions import service as productions

router = APIRouter()


def _refused(request: Request, error: NotFound | TooManyRequests) -> Response:
    if isinstance(error, TooManyRequests):
        return refusal(request, "too_many_links", 429, int(error.headers.get("Retry-After", "60")))
    return refusal(request, "no_link", 404)


@router.get("/portal/track/{token}")
def track(token: str, request: Request, database: DatabaseDep, settings: SettingsDep) -> Response:
    language = language_of(request)
    try:
        with database.reading() as session:
            link, found, actor = open_link(request, session, settings, token)
            sent = service.view(session, actor, link, found)
            due = found.delivery_due_date or found.extended_due_date or found.due_date
            shown = {"number": found.number, "status": found.status.value,
                     "received_at": found.received_at,
                     "due": format_date(due, "long", locale=language),
                     "extended": found.extended_due_date is not None,
                     "letters": [{"id": letter.id, "kind": letter.kind.value, "subject": letter.subject,
                                  "created_at": letter.created_at} for letter in sent],
                     "releases": [{"id": p.id, "name": p.name, "volume": p.volume,
                                   "released_at": p.released_at, "size": p.package_size,
                                   "expires": format_date(p.expires_on, "long", locale=language)}
                                  for p in productions.released_to(session, settings, found)]}
    except (NotFound, TooManyRequests) as error:
        return _refused(request, error)
    return portal_page(request, "track.html", {"shown": shown, "token": token})


@router.get("/portal/track/{token}/letters/{letter_id}.pdf", response_model=None)
def letter_pdf(token: str, letter_id: str, request: Request, database: DatabaseDep,
               settings: SettingsDep) -> Response | FileResponse:
    try:
        with database.reading() as session:
            link, found, actor = open_link(request, session, settings, token)
            try:
                wanted = uuid.UUID(letter_id)
            except ValueError:
                raise NotFound("No letter with that id for this request.") from None
            letter = service.letter_download(session, actor, link, found, wanted)
            path, name = BlobStore(settings.natives_dir).path(letter.pdf_sha256), \
                f"{found.number}-{letter.kind.value}.pdf"
    except TooManyRequests as error:
        return _refused(request, error)
    except NotFound as error:
        return refusal(request, "no_link" if error.detail == service.NO_LINK else "no_letter", 404)
    return FileResponse(path, media_type="application/pdf", filename=name, content_disposition_type="inline")


@router.get("/portal/track/{token}/releases/{production_id}.zip", response_model=None)
def release_zip(token: str, production_id: str, request: Request, database: DatabaseDep,
                settings: SettingsDep) -> Response | FileResponse:
    """A released package, as its requester downloads it (audited, counted); an expired one
    is refused with a page that says until when it could be downloaded."""
    try:
        with database.reading() as session:
            link, found, actor = open_link(request, session, settings, token)
            try:
                wanted = uuid.UUID(production_id)
            except ValueError:
                raise NotFound(productions.NO_RELEASE) from None
            production = productions.download(session, settings, actor, found, wanted)
            path = productions.path_of(settings, production)
            name = f"{found.number}-{production.volume}.zip"
    except TooManyRequests as error:
        return _refused(request, error)
    except productions.ReleaseExpired:
        return refusal(request, "release_expired", 410)
    except NotFound as error:
        return refusal(request, "no_link" if error.detail == service.NO_LINK else "no_release", 404)
    return FileResponse(path, media_type="application/zip", filename=name)
