"""Reading one document: its catalog view, its native bytes, and where else it stands
(the holds that preserve it and the requests whose review sets hold it).

The API's routes and the web UI's viewer both call these, so a read is audited the same
way whichever asks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.deps import Principal
from app.core import audit
from app.core.blobs import BlobStore
from app.core.errors import NotFound
from app.core.settings import Settings
from app.documents.schemas import (
    THREAD_SHOWN,
    DocumentOut,
    FamilyMember,
    LocationOut,
    ThreadMember,
)
from app.holds.membership import holds_of
from app.ingest import roots
from app.models import Document, DocumentKind, Location, RecordsRequest, ReviewSetItem, Role

# Who may read a hold's name (app.auth.deps.HoldReader); a clerk learns only that one exists.
HOLD_READERS = frozenset({Role.attorney, Role.auditor, Role.admin})


def document_of(session: Session, document_id: uuid.UUID) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("No document with that id.")
    return document


def view(session: Session, settings: Settings, principal: Principal,
         document_id: uuid.UUID) -> DocumentOut:
    """Metadata, text, family and locations; the read is audited."""
    document = document_of(session, document_id)
    family = list(session.scalars(select(Document).where(
        Document.family_id == document.family_id)
        .order_by(Document.parent_id.asc().nulls_first(), Document.position)))
    head = session.get_one(Document, document.family_id)
    locations = session.scalars(select(Location).where(Location.document_id == head.id))
    audio = next((m for m in family if m.parent_id == document.id
                  and m.content_type.startswith("audio/")), None)
    audit.record(session, principal.actor, "document.view", "document", document.id)
    known = roots.listing(session)
    return DocumentOut(
        **{name: getattr(document, name) for name in (
            "id", "family_id", "parent_id", "position", "subject", "sender", "recipients",
            "sent_at", "date_header", "message_id", "in_reply_to", "references", "thread_id",
            "thread_topic", "inclusive",
            "filename", "content_type", "size", "voicemail", "extract_error")},
        kind=document.kind.value, text_status=document.text_status.value,
        sent_at_local=document.sent_at.astimezone(settings.zone).isoformat()
        if document.sent_at else None,
        native_sha256=document.blob_sha256,
        audio_document_id=audio.id if audio else (
            document.id if document.voicemail and document.content_type.startswith("audio/")
            else None),
        text=document.text.text if document.text else "",
        locations=[LocationOut.model_validate(
            {**LocationOut.model_validate(loc, from_attributes=True).model_dump(),
             "source": roots.seen_by(loc.source, Role.admin in principal.roles, known)})
            for loc in locations],
        family=[FamilyMember(id=m.id, kind=m.kind.value, parent_id=m.parent_id,
                             position=m.position, subject=m.subject, filename=m.filename,
                             content_type=m.content_type) for m in family],
        thread=_thread(session, document),
    )


def _thread(session: Session, document: Document) -> list[ThreadMember]:
    if not document.thread_id or document.kind != DocumentKind.email:
        return []
    members = session.scalars(select(Document).where(
        Document.thread_id == document.thread_id, Document.kind == DocumentKind.email,
        Document.parent_id.is_(None)).order_by(Document.sent_at.asc().nulls_first(), Document.id)
        .limit(THREAD_SHOWN))
    return [ThreadMember(id=m.id, subject=m.subject, sender=m.sender, sent_at=m.sent_at,
                         inclusive=m.inclusive) for m in members]


@dataclass(frozen=True)
class Native:
    data: bytes
    media_type: str
    headers: dict[str, str]


def native(session: Session, settings: Settings, principal: Principal,
           document_id: uuid.UUID) -> Native:
    """The original bytes, as ingested (for a voicemail export: the audio); audited."""
    document = document_of(session, document_id)
    if document.blob_sha256 is None:
        raise NotFound("This document has no native bytes (Tika reported it inside its parent).")
    data = BlobStore(settings.natives_dir).read(document.blob_sha256)
    audit.record(session, principal.actor, "document.native_download", "document", document.id,
                 sha256=document.blob_sha256)
    extension = "bin" if document.kind == "attachment" else "eml"
    filename = document.filename or f"{document.id}.{extension}"
    return Native(data, document.content_type or "application/octet-stream", {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "X-Content-SHA256": document.blob_sha256})


@dataclass(frozen=True)
class HoldMention:
    name: str  # "" for those who may not read holds: they learn only that one exists


@dataclass(frozen=True)
class RequestMention:
    id: uuid.UUID
    number: str
    requester: str
    status: str


@dataclass(frozen=True)
class Whereabouts:
    holds: list[HoldMention]
    requests: list[RequestMention]


def whereabouts(session: Session, principal: Principal, document_id: uuid.UUID) -> Whereabouts:
    """The active holds preserving the document and the requests whose review sets hold it.

    Hold names only for those who may read holds; a clerk sees that a hold exists, as on
    a review set (`under_legal_hold`).
    """
    named = bool(principal.roles & HOLD_READERS)
    holds = sorted(holds_of(session, [document_id]).get(document_id, []),
                   key=lambda h: (h.matter_name, str(h.id)))
    mentions = [HoldMention(f"{h.matter_name}" + (f" ({h.matter_number})" if h.matter_number
                                                   else "") if named else "") for h in holds]
    requests = [RequestMention(r.id, r.number, r.requester_name, r.status.value)
                for r in session.scalars(
                    select(RecordsRequest).join(ReviewSetItem,
                                                ReviewSetItem.request_id == RecordsRequest.id)
                    .where(ReviewSetItem.document_id == document_id)
                    .order_by(RecordsRequest.number))]
    return Whereabouts(mentions, requests)
