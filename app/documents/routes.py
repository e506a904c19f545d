from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from app.auth.deps import ReviewerUser as Reviewer
from app.core.deps import ReadSessionDep, SettingsDep
from app.documents import service
from app.documents.schemas import DocumentOut

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


@router.get("/{document_id}", response_model=DocumentOut)
def get_document(document_id: uuid.UUID, reviewer: Reviewer, session: ReadSessionDep,
                 settings: SettingsDep) -> DocumentOut:
    """Metadata, text, family and locations. Every read is audited."""
    return service.view(session, settings, reviewer, document_id)


@router.get("/{document_id}/native", response_class=Response, responses={200: {
    "description": "The bytes, in the document's own media type (message/rfc822, audio/wav...)",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}})
def get_native(document_id: uuid.UUID, reviewer: Reviewer, session: ReadSessionDep,
               settings: SettingsDep) -> Response:
    """The original bytes, as ingested (for a voicemail export: the audio)."""
    found = service.native(session, settings, reviewer, document_id)
    return Response(found.data, media_type=found.media_type, headers=found.headers)
