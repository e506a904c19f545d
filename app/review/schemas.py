from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.payload import Day, Payload
from app.models import CitationKind, DocumentKind, ReviewTagName

DocumentIds = list[uuid.UUID]


class ReviewSearchIn(Payload):
    query: str = Field(min_length=1, max_length=4000, examples=["budget AND council"])
    people: list[uuid.UUID] = Field(default_factory=list, max_length=200, description=(
        "Only these people's mail (ids in the people directory; their custodian names)"))


class AddDocumentsIn(Payload):
    document_ids: DocumentIds = Field(min_length=1, max_length=1000)


class RemoveDocumentsIn(Payload):
    document_ids: DocumentIds = Field(min_length=1, max_length=1000)
    with_family: bool = Field(
        default=True, strict=True,
        description="Remove each document's whole family (its e-mail and attachments) too.")


class AddedOut(BaseModel):
    query: str
    hits: int = Field(description="Documents the query (or the id list) named")
    added: int = Field(description="New in the review set, hits and family members together")
    added_as_family: int
    already_in_set: int
    total: int = Field(description="Documents in the review set now")


class RemovedOut(BaseModel):
    removed: int
    tags_removed: int
    total: int


class TagOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tag: ReviewTagName
    citation_code: str
    note: str
    tagged_by: str
    tagged_at: datetime


class ItemDocument(BaseModel):
    id: uuid.UUID
    kind: DocumentKind
    subject: str
    filename: str
    sent_at: datetime | None
    family_id: uuid.UUID
    parent_id: uuid.UUID | None


class ReviewItemOut(BaseModel):
    document: ItemDocument
    query: str = Field(description="The search that added it; empty when added by id")
    via_family: bool
    added_by: str
    added_at: datetime
    tags: list[TagOut]
    under_legal_hold: bool = Field(description=(
        "A legal hold preserves this document: release nothing without asking the city "
        "attorney (which hold is theirs to know)"))


class TagIn(Payload):
    """Tag the listed documents, or those of the review set that a query matches."""

    tag: ReviewTagName
    citation: str | None = Field(default=None, max_length=60, description=(
        "A citation's code (GET /api/v1/citations): required for exempt, allowed for "
        "privileged, refused for the other tags"))
    note: str = Field(default="", max_length=2000)
    document_ids: DocumentIds | None = Field(default=None, min_length=1, max_length=1000)
    query: str | None = Field(default=None, min_length=1, max_length=4000)

    @model_validator(mode="after")
    def _one_selection(self) -> TagIn:
        if (self.document_ids is None) == (self.query is None):
            raise ValueError("give either document_ids or query, not both")
        return self


class TaggedOut(BaseModel):
    tag: ReviewTagName
    documents: int
    changed: int = Field(description="Tags new or changed; the others already read the same")
    replaced: int = Field(description="Opposite tags replaced (responsive/not_responsive)")


class ProgressOut(BaseModel):
    total: int
    untagged: int
    under_legal_hold: int = Field(description="Documents of the set that a legal hold preserves")
    tags: dict[ReviewTagName, int]


class CitationIn(Payload):
    code: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9().\-]+$",
                      examples=["24-72-204(3)(a)(IV)"])
    title: str = Field(min_length=1, max_length=2000)
    kind: CitationKind
    note: str = Field(default="", max_length=4000)
    effective_from: Day
    retired_on: Day | None = None


class CitationChange(Payload):
    title: str | None = Field(default=None, min_length=1, max_length=2000)
    kind: CitationKind | None = None
    note: str | None = Field(default=None, max_length=4000)
    effective_from: Day | None = None
    retired_on: Day | None = Field(default=None, description="Cited no more from this day on")


class CitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    title: str
    kind: CitationKind
    note: str
    effective_from: date
    retired_on: date | None
    in_force: bool


class InclusiveOut(BaseModel):
    """What reducing a review set to its inclusive e-mails saves (or saved)."""

    emails: int = Field(description="Top-level e-mails in the review set before")
    inclusive: int = Field(description="Of them, inclusive: no later message holds them")
    removable_emails: int = Field(description=(
        "Not inclusive, and every later inclusive e-mail of the thread is in the set: "
        "a reviewer who reads those has read these"))
    kept_tagged: int = Field(description="Not inclusive but tagged already: kept, with the tag")
    removed: int = Field(description="Documents taken out (the e-mails with their families); "
                                     "0 for a preview")
    total: int = Field(description="Documents in the review set now")
