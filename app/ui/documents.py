"""The document viewer: headers, text, the attachment tree, locations and custodians, the
native file and the voicemail player, and the holds and requests the document is part of.

The same service as GET /api/v1/documents/{id} and its /native, so each read is audited
the same way.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.deps import ReadSessionDep, SettingsDep
from app.documents import service
from app.documents.schemas import DocumentOut, FamilyMember
from app.near_duplicates import service as near_duplicates
from app.ui.deps import ReviewerStaff
from app.ui.pages import render

router = APIRouter()
RECIPIENT_FIELDS = (("to", "To"), ("cc", "Cc"), ("bcc", "Bcc"))


def person(who: dict[str, str] | None) -> str:
    name, email = (who or {}).get("name", ""), (who or {}).get("email", "")
    return f"{name} <{email}>" if name and email else name or email


def tree(family: list[FamilyMember]) -> list[tuple[FamilyMember, list[Any]]]:
    """The family as nested (member, children) pairs, from the top-level document down."""
    children: dict[uuid.UUID | None, list[FamilyMember]] = {}
    for member in family:
        children.setdefault(member.parent_id, []).append(member)

    def below(parent: uuid.UUID | None, depth: int) -> list[tuple[FamilyMember, list[Any]]]:
        if depth > 50:  # a loop in bad data must not hang the page
            return []
        return [(m, below(m.id, depth + 1)) for m in sorted(children.get(parent, []),
                                                             key=lambda m: m.position)]
    return below(None, 0)


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: uuid.UUID, principal: ReviewerStaff,
                  session: ReadSessionDep, settings: SettingsDep) -> Response:
    """One document as a reviewer reads it (audited: document.view)."""
    document: DocumentOut = service.view(session, settings, principal, document_id)
    where = service.whereabouts(session, principal, document_id)
    recipients = [(label, ", ".join(person(r) for r in document.recipients.get(name, [])))
                  for name, label in RECIPIENT_FIELDS if document.recipients.get(name)]
    group, diff = near_duplicates.for_viewer(session, document_id)
    return render(request, "documents/page.html", {
        "near_duplicates": group, "diff": diff,
        "doc": document, "sender": person(document.sender), "recipients": recipients,
        "tree": tree(document.family), "holds": where.holds, "requests": where.requests,
        "custodians": sorted({loc.custodian for loc in document.locations}),
        "person": person,
    })


@router.get("/documents/{document_id}/native")
def native_file(document_id: uuid.UUID, principal: ReviewerStaff, session: ReadSessionDep,
                settings: SettingsDep) -> Response:
    """The original bytes, as the API's /native serves them (audited)."""
    found = service.native(session, settings, principal, document_id)
    return Response(found.data, media_type=found.media_type, headers=found.headers)
