"""Making a letter: rendered and drawn as PDF outside the write, then stored, queued and audited.

A letter is drawn (`draft_letter`) in a read transaction, because WeasyPrint takes a moment
and a write transaction holds the write lock; it is then filed (`file_letter`) in one short
write: its HTML and PDF into the BlobStore, its row, its e-mail in the outbox.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.errors import BadRequest, NotFound
from app.core.mail import Attachment, send_later
from app.core.settings import Settings
from app.letters import isolation, templates
from app.letters.context import extension_of, grounds_of, letter_context
from app.letters.schemas import LetterCreate
from app.letters.text import html_to_text
from app.models import Letter, LetterKind, MailStatus, OutboxMessage, RecordsRequest
from app.requests.lookup import records_request

NO_ADDRESS = "Not sent: the request has no e-mail address. The letter is stored; send it by other means."


@dataclass(frozen=True)
class Draft:
    request_id: uuid.UUID
    kind: LetterKind
    template_version_id: uuid.UUID
    subject: str
    html: str
    pdf: bytes
    context: dict[str, Any]


def _required(session: Session, request: RecordsRequest, details: LetterCreate) -> None:
    """What each kind of letter cannot go without."""
    if details.kind == LetterKind.extension_notice:
        extended, reason = extension_of(request, details)
        if not reason:
            raise BadRequest("An extension notice must state the reason: send `reason`.", field="reason")
        if extended is None:
            raise BadRequest("An extension notice must state the new due date: send `extended_due_date`.",
                             field="extended_due_date")
        if extended <= request.due_date:
            raise BadRequest("The extended due date must come after the request's due date "
                             f"({request.due_date.isoformat()}).", field="extended_due_date")
    if details.kind == LetterKind.denial and not grounds_of(session, request, details):
        raise BadRequest("A denial must cite each ground for withholding: tag the withheld records "
                         "exempt with their citation, or send `grounds`.", field="grounds")
    if details.kind == LetterKind.fee_estimate and details.fees is None:
        raise BadRequest("A fee estimate needs its amounts: send `fees`.", field="fees")


def draft_letter(session: Session, settings: Settings, request_id: uuid.UUID, details: LetterCreate) -> Draft:
    """The letter rendered from the current template of its kind, and its PDF."""
    request = records_request(session, request_id)
    _required(session, request, details)
    _, version = templates.for_kind(session, details.kind)
    context = letter_context(session, request, details, settings)
    subject, html, pdf = isolation.run("draw", version.subject_template, version.body_template, context)
    return Draft(request.id, details.kind, version.id, subject, html, pdf, context)


def file_letter(session: Session, actor: Actor, store: BlobStore, made: Draft) -> Letter:
    """Store the drafted letter, queue its e-mail (PDF attached) if the requester has an address."""
    request = records_request(session, made.request_id)
    store.attach(session)
    html_sha256, pdf_sha256 = store.put(made.html.encode()), store.put(made.pdf)
    store.sync()
    letter = Letter(
        request_id=request.id, kind=made.kind, template_version_id=made.template_version_id,
        subject=made.subject, html_sha256=html_sha256, pdf_sha256=pdf_sha256, context=made.context,
        created_by=actor.name, created_by_id=uuid.UUID(actor.user_id) if actor.user_id else None)
    session.add(letter)
    session.flush()
    if request.requester_email:
        message = send_later(
            session, [request.requester_email], made.subject, html_to_text(made.html),
            attachments=[Attachment(f"{request.number}-{made.kind.value}.pdf", pdf_sha256,
                                    "application/pdf")],
            about=("records_request", str(request.id)))
        letter.outbox_message_id, letter.recipient = message.id, message.recipients[0]
        session.flush()
    audit.record(session, actor, "letter.create", "letter", letter.id, request_id=request.id,
                 request_number=request.number, kind=made.kind, template_version_id=made.template_version_id,
                 html_sha256=html_sha256, pdf_sha256=pdf_sha256, sent_to=letter.recipient or None)
    return letter


def letters_of(request_id: uuid.UUID) -> Any:
    """The query of a request's letters, oldest first."""
    return select(Letter).where(Letter.request_id == request_id).order_by(Letter.created_at, Letter.id)


def letter(session: Session, request_id: uuid.UUID, letter_id: uuid.UUID) -> Letter:
    found = session.get(Letter, letter_id)
    if found is None or found.request_id != request_id:
        raise NotFound("No letter with that id for this request.")
    return found


def delivery(session: Session, letter: Letter) -> tuple[str, str]:
    """Where the letter's e-mail stands: (`queued`/`sent`/`failed`/`not_sent`, a sentence)."""
    if letter.outbox_message_id is None:
        return "not_sent", NO_ADDRESS
    message = session.get(OutboxMessage, letter.outbox_message_id)
    if message is None:  # pragma: no cover - the foreign key keeps it
        return "not_sent", NO_ADDRESS
    notes = {MailStatus.queued: f"Queued for {letter.recipient}.",
             MailStatus.sent: f"Sent to {letter.recipient}.",
             MailStatus.failed: f"Sending to {letter.recipient} failed: {message.last_error}"}
    return message.status.value, notes[message.status]
