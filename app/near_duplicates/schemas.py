from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.payload import Payload
from app.models import DocumentKind, ReviewTagName


class MemberOut(BaseModel):
    document_id: uuid.UUID
    kind: DocumentKind
    subject: str
    sent_at: datetime | None
    pivot: bool
    similarity: float = Field(description="Estimated share of word shingles in common with "
                                          "the pivot (body and attachments), 0 to 1")


class GroupOut(BaseModel):
    id: uuid.UUID
    pivot_id: uuid.UUID
    size: int
    members: list[MemberOut] = Field(description="The pivot first, then the most similar")


class ReviewGroupOut(BaseModel):
    """A group with members in a review set."""

    id: uuid.UUID
    pivot_id: uuid.UUID
    pivot_subject: str
    size: int = Field(description="Members in the whole catalog")
    in_review_set: int = Field(description="Members in this review set")


class DiffPart(BaseModel):
    op: Literal["same", "added", "removed", "changed"]
    pivot: str = Field(description="The pivot's words here (empty when added)")
    member: str = Field(description="The member's words here (empty when removed)")


class DiffOut(BaseModel):
    document_id: uuid.UUID
    pivot_id: uuid.UUID
    group_id: uuid.UUID
    similarity: float
    truncated: bool = Field(description="The texts were longer than the diff compares")
    parts: list[DiffPart]


class GroupTagIn(Payload):
    """Tag every member of a near-duplicate group that is in the review set."""

    tag: ReviewTagName
    citation: str | None = Field(default=None, max_length=60, description=(
        "A citation's code: required for exempt, allowed for privileged"))
    note: str = Field(default="", max_length=2000)


class GroupRedactionIn(Payload):
    """Redact, in every other member of the group, what an accepted redaction redacts."""

    redaction_id: uuid.UUID


class MemberRedacted(BaseModel):
    document_id: uuid.UUID
    occurrences: int = Field(description="Where the redacted words occur in this member")
    added: int
    accepted: int
    already: int


class GroupRedactedOut(BaseModel):
    group_id: uuid.UUID
    redaction_id: uuid.UUID
    members: list[MemberRedacted]
    not_found: list[uuid.UUID] = Field(description="Members whose text lacks the redacted "
                                                   "words: review them by hand")
