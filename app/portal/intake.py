"""A request sent by a member of the public through the portal's form: checked field by field
(so the page can say what to fix, in the requester's language), taken in by the requests
service, given a secret link, and acknowledged by letter through the letters service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.db import Database
from app.core.errors import BadRequest
from app.core.mail import checked_address
from app.core.settings import Settings
from app.letters import service as letters
from app.letters.schemas import LetterCreate
from app.models import Channel, Delivery, LetterKind, RecordsRequest, RequesterCategory
from app.portal import service
from app.requests import service as requests
from app.requests.schemas import RequestIn

REQUESTER = "public requester (portal)"  # the audit trail's name for whoever sent the form
# The form's fields and their longest values (the requests service's own limits).
LIMITS = {"requester_name": 200, "requester_email": 254, "phone": 100, "requester_organization": 200,
          "description": 20_000}
CHOICES = {"category": frozenset(RequesterCategory), "delivery": frozenset(Delivery)}
FIELDS = (*LIMITS, *CHOICES)
REQUIRED = ("requester_name", "description")


@dataclass(frozen=True)
class Receipt:
    number: str
    due_date: date
    token: str  # shown once, on the receipt


def requester(client_address: str, request_id: str) -> Actor:
    return Actor(REQUESTER, client_address, request_id)


def problems(form: dict[str, str]) -> dict[str, str]:
    """What is wrong with each field, as a code the page words: required, too_long, email, choice."""
    found: dict[str, str] = {}
    for name, limit in LIMITS.items():
        value = form.get(name, "").strip()
        if name in REQUIRED and not value:
            found[name] = "required"
        elif len(value) > limit:
            found[name] = "too_long"
    email = form.get("requester_email", "").strip()
    if email and "requester_email" not in found:
        try:
            checked_address(email)
        except BadRequest:
            found["requester_email"] = "email"
    for name, allowed in CHOICES.items():
        if form.get(name, "") not in allowed:
            found[name] = "choice"
    return found


def request_in(form: dict[str, str]) -> RequestIn:
    """The checked form as the API's payload: phone and preferred delivery go in the contact
    details, which a clerk reads (the request has no columns of their own for them)."""
    contact = [f"Phone: {form['phone'].strip()}"] if form.get("phone", "").strip() else []
    contact.append(f"Preferred delivery: {form['delivery']}")
    try:
        return RequestIn.model_validate({
            "requester_name": form["requester_name"].strip(),
            "requester_email": form.get("requester_email", "").strip(),
            "requester_contact": "\n".join(contact),
            "requester_organization": form.get("requester_organization", "").strip(),
            "category": form["category"], "description": form["description"].strip(),
            "channel": Channel.portal})
    except (ValidationError, ValueError) as error:
        raise BadRequest(f"The form is not valid: {error}") from None


def take_in(session: Session, actor: Actor, body: RequestIn, zone: ZoneInfo) -> tuple[RecordsRequest, str]:
    """The request and its secret link's token, in the caller's transaction (both or neither)."""
    request = requests.create(session, actor, body, zone)
    _, token = service.create_link(session, actor, request.id)
    return request, token


def submit(database: Database, settings: Settings, actor: Actor, body: RequestIn) -> Receipt:
    """Take the request in, then draw its acknowledgement (outside the write, as the letters
    route does) and file it, queued to the requester's address if they gave one."""
    with database.transaction() as session:
        request, token = take_in(session, actor, body, settings.zone)
        receipt = Receipt(request.number, request.due_date, token)
        request_id = request.id
    with database.reading() as session:
        acknowledgement = LetterCreate(kind=LetterKind.acknowledgement)
        made = letters.draft_letter(session, settings, request_id, acknowledgement)
    with database.transaction() as session:
        letters.file_letter(session, actor, BlobStore(settings.natives_dir), made)
    return receipt
