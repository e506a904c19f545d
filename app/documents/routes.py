from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select

from app.auth.deps import ReviewerUser as Reviewer
from app.core import audit
from app.core.blobs import BlobStore
from app.core.deps import ReadSessionDep, SettingsDep
from app.core.errors import NotFound
from app.documents.schemas import DocumentOut, FamilyMember, LocationOut
from app.ingest import roots
from app.models import Document, Location, Role

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


def _document(session: ReadSessionDep, document_id: uuid.UUID) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("No document with that id.")
    return document


@router.get("/{document_id}", response_model=DocumentOut)
def get_document(document_id: uuid.UUID, reviewer: Reviewer, session: ReadSessionDep,
                 settings: SettingsDep) -> DocumentOut:
    """Metadata, text, family and locations. Every read is audited."""
    document = _document(session, document_id)
    family = list(session.scalars(select(Document).where(
        Document.family_id == document.family_id)
        .order_by(Document.parent_id.asc().nulls_first(), Document.position)))
    head = session.get_one(Document, document.family_id)
    locations = session.scalars(select(Location).where(Location.document_id == head.id))
    audio = next((m for m in family if m.parent_id == document.id
                  and m.content_type.startswith("audio/")), None)
    audit.record(session, reviewer.actor, "document.view", "document", document.id)
    known = roots.listing(session)
    return DocumentOut(
        **{name: getattr(document, name) for name in (
            "id", "family_id", "parent_id", "position", "subject", "sender", "recipients",
            "sent_at", "date_header", "message_id", "in_reply_to", "references", "thread_id",
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
             "source": roots.seen_by(loc.source, Role.admin in reviewer.roles, known)})
            for loc in locations],
        family=[FamilyMember(id=m.id, kind=m.kind.value, parent_id=m.parent_id,
                             position=m.position, subject=m.subject, filename=m.filename,
                             content_type=m.content_type) for m in family],
    )


@router.get("/{document_id}/native", response_class=Response, responses={200: {
    "description": "The bytes, in the document's own media type (message/rfc822, audio/wav...)",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}})
def get_native(document_id: uuid.UUID, reviewer: Reviewer, session: ReadSessionDep,
               settings: SettingsDep) -> Response:
    """The original bytes, as ingested (for a voicemail export: the audio)."""
    document = _document(session, document_id)
    if document.blob_sha256 is None:
        raise NotFound("This document has no native bytes (Tika reported it inside its parent).")
    data = BlobStore(settings.natives_dir).read(document.blob_sha256)
    audit.record(session, reviewer.actor, "document.native_download", "document", document.id,
                 sha256=document.blob_sha256)
    extension = "bin" if document.kind == "attachment" else "eml"
    filename = document.filename or f"{document.id}.{extension}"
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=document.content_type or "application/octet-stream",
                    headers={"Content-Disposition": disposition,
                             "X-Content-SHA256": document.blob_sha256})
