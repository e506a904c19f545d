"""Letters and secret links on the case file.

A letter is previewed first: drawn from its template and shown as plain text (the city's
template is hostile input, so none of its HTML is put into our page); sending it draws it
again and files it, which queues it to the requester, as the API does. Its PDF downloads
under the API's role rule. A link's token is shown once, on the page that made it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response

from app.core.blobs import BlobStore
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import CustodiaError
from app.letters import service as letters
from app.letters.routes import download
from app.letters.schemas import LetterCreate
from app.letters.text import html_to_text
from app.models import LetterKind
from app.portal import service as portal
from app.requests.lookup import records_request
from app.ui.deps import ClerkStaff, RequestReaderStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import render
from app.ui.requests_case import act, case_page
from app.ui.requests_forms import FIELD

router = APIRouter()
Short = Annotated[str, Form(max_length=400)]
Text = Annotated[str, Form(max_length=FIELD)]


def _details(kind: str, note: str, reason: str, extended_due_date: str, partial: str,
             fee_total: str) -> LetterCreate:
    values: dict[str, Any] = {"kind": kind, "note": note, "reason": reason,
                              "partial": partial == "yes"}
    if extended_due_date.strip():
        values["extended_due_date"] = extended_due_date.strip()
    if kind == LetterKind.fee_estimate.value and fee_total.strip():
        values["fees"] = {"total": fee_total.strip().lstrip("$")}
    return parsed(LetterCreate, values)


@router.post("/requests/{request_id}/letters/preview")
def preview(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
            database: DatabaseDep, settings: SettingsDep, kind: Short = "", note: Text = "",
            reason: Text = "", extended_due_date: Short = "", partial: Short = "",
            fee_total: Short = "") -> Response:
    """The letter as it would be sent, as text; nothing is stored or sent yet."""
    kept = {"kind": kind, "note": note, "reason": reason, "extended_due_date": extended_due_date,
            "partial": partial, "fee_total": fee_total}
    try:
        details = _details(kind, note, reason, extended_due_date, partial, fee_total)
        with database.reading() as session:
            draft = letters.draft_letter(session, settings, request_id, details)
            case = records_request(session, request_id)
            return render(request, "requests/letter_preview.html", {
                "case": case, "subject": draft.subject, "text": html_to_text(draft.html),
                "kept": kept, "kind": details.kind})
    except CustodiaError as error:
        return case_page(request, database, settings, principal, request_id, error=error,
                         failed="letters", kept=kept)


@router.post("/requests/{request_id}/letters")
def send(request_id: uuid.UUID, request: Request, principal: ClerkStaff, database: DatabaseDep,
         settings: SettingsDep, kind: Short = "", note: Text = "", reason: Text = "",
         extended_due_date: Short = "", partial: Short = "", fee_total: Short = "") -> Response:
    """File the letter: stored with its PDF and queued to the requester (audited)."""
    kept = {"kind": kind, "note": note, "reason": reason, "extended_due_date": extended_due_date,
            "partial": partial, "fee_total": fee_total}
    try:
        details = _details(kind, note, reason, extended_due_date, partial, fee_total)
        with database.reading() as session:  # drawn before the write, as the API does
            draft = letters.draft_letter(session, settings, request_id, details)
    except CustodiaError as error:
        return case_page(request, database, settings, principal, request_id, error=error,
                         failed="letters", kept=kept)
    store = BlobStore(settings.natives_dir)

    def file(session: Any) -> Any:
        letter = letters.file_letter(session, principal.actor, store, draft)
        return letters.delivery(session, letter)[1]

    return act(request, database, settings, principal, request_id, "letters", kept, file,
               lambda note_: f"The {details.kind.value.replace('_', ' ')} letter is filed. {note_}")


@router.get("/requests/{request_id}/letters/{letter_id}.pdf")
def letter_pdf(request_id: uuid.UUID, letter_id: uuid.UUID, principal: RequestReaderStaff,
               database: DatabaseDep, settings: SettingsDep) -> FileResponse:
    """The letter's PDF as sent, for whoever may read the request (audited, as in the API)."""
    with database.reading() as session:
        return download(session, principal.actor, settings,
                        letters.letter(session, request_id, letter_id), "application/pdf")


@router.post("/requests/{request_id}/links")
def create_link(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
                database: DatabaseDep, settings: SettingsDep) -> Response:
    """A secret link for the requester: its token is on this page and never again."""
    outcome = attempt(database, lambda session: portal.create_link(session, principal.actor,
                                                                   request_id))
    if isinstance(outcome, CustodiaError):
        return case_page(request, database, settings, principal, request_id, error=outcome,
                         failed="links")
    link, token = outcome
    with database.reading() as session:
        case = records_request(session, request_id)
        return render(request, "requests/link_issued.html", {
            "case": case, "url": portal.tracking_url(settings, token)}, status=201)


@router.post("/requests/{request_id}/links/{link_id}/revoke")
def revoke_link(request_id: uuid.UUID, link_id: uuid.UUID, request: Request,
                principal: ClerkStaff, database: DatabaseDep, settings: SettingsDep) -> Response:
    return act(request, database, settings, principal, request_id, "links", {},
               lambda session: portal.revoke_link(session, principal.actor, request_id, link_id),
               lambda _: "The link is revoked: it opens nothing from now on.")
