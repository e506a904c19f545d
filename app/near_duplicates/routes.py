"""Near-duplicate groups: a document's group and its differences from the pivot, the groups
in a review set, and one decision (a tag, a redaction) applied to a whole group."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.auth.deps import RequestReader, ReviewerUser
from app.core.deps import EngineDep, ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep
from app.near_duplicates import propagate, service
from app.near_duplicates.schemas import (
    DiffOut,
    GroupOut,
    GroupRedactedOut,
    GroupRedactionIn,
    GroupTagIn,
    ReviewGroupOut,
)
from app.requests.lookup import records_request
from app.review.schemas import TaggedOut

router = APIRouter(prefix="/api/v1", tags=["near-duplicates"])


@router.get("/near-duplicate-groups/{group_id}", response_model=GroupOut)
def get_group(group_id: uuid.UUID, _: ReviewerUser, session: ReadSessionDep) -> GroupOut:
    """A group by its id, or by the id of one of its documents: the pivot, then the others
    by their similarity to it."""
    return service.describe(session, group_id)


@router.get("/documents/{document_id}/near-duplicates", response_model=GroupOut)
def document_group(document_id: uuid.UUID, _: ReviewerUser, session: ReadSessionDep) -> GroupOut:
    """The near-duplicate group of a top-level document."""
    return service.describe(session, document_id)


@router.get("/documents/{document_id}/near-duplicates/diff", response_model=DiffOut)
def document_diff(document_id: uuid.UUID, _: ReviewerUser, session: ReadSessionDep) -> DiffOut:
    """What this document says differently from its group's pivot, word by word, over the
    body and the attachments' text (spacing alone is no difference)."""
    return service.diff(session, document_id)


@router.get("/requests/{request_id}/review-set/near-duplicate-groups",
            response_model=Page[ReviewGroupOut])
def review_set_groups(request_id: uuid.UUID, _: RequestReader, session: ReadSessionDep,
                      page: PageDep) -> Page[ReviewGroupOut]:
    """The near-duplicate groups with two or more documents in the review set."""
    return service.in_review_set(session, records_request(session, request_id), page)


@router.post("/requests/{request_id}/review-set/near-duplicate-groups/{group_id}/tags",
             response_model=TaggedOut)
def tag_group(request_id: uuid.UUID, group_id: uuid.UUID, body: GroupTagIn,
              reviewer: ReviewerUser, session: SessionDep, settings: SettingsDep,
              engine: EngineDep) -> TaggedOut:
    """Tag every document of the group (by group id, or one member's id) that is in the
    review set, in one audited action. The rules of one tag hold: exempt needs a citation,
    privileged and exempt are attorneys'."""
    request = records_request(session, request_id)
    return propagate.tag_group(session, engine, settings, reviewer, request, group_id, body)


@router.post("/near-duplicate-groups/{group_id}/redactions", response_model=GroupRedactedOut)
def redact_group(group_id: uuid.UUID, body: GroupRedactionIn, reviewer: ReviewerUser,
                 session: SessionDep, settings: SettingsDep) -> GroupRedactedOut:
    """Redact what an accepted redaction on one member redacts wherever those words occur in
    the other members, with its reason and citation, in one audited action. Members whose
    text lacks them are listed in not_found."""
    return propagate.redact_group(session, settings, reviewer, group_id, body.redaction_id)
