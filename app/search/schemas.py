from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.payload import Payload

Sort = Literal["relevance", "newest", "oldest"]


class SearchIn(Payload):
    query: str = Field(min_length=1, max_length=4000, examples=[
        'budget AND (meeting OR "city council") date:2001-01-01..2001-03-31'])
    sort: Sort = "relevance"
    # strict: the document says integer and boolean; 0, "20" or 20.0 are a client's mistake
    size: int = Field(20, ge=1, le=200, strict=True)
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page")
    facets: bool = Field(default=True, strict=True)


class DocumentSummary(BaseModel):
    id: uuid.UUID
    kind: str
    subject: str
    sender: str
    sent_at: datetime | None
    sent_at_local: str | None
    filename: str
    custodians: list[str]


class SearchHit(BaseModel):
    document: DocumentSummary
    family: DocumentSummary | None = Field(
        description="The top-level e-mail or voicemail when the hit is inside one "
                    "(an attachment), so a hit always shows where it came from.")
    parent_id: uuid.UUID | None
    score: float | None
    snippets: list[str] = Field(description="HTML-escaped text, query words in <mark>")


class FacetBucket(BaseModel):
    value: str
    count: int


class SearchOut(BaseModel):
    query: str
    total: int = Field(description="Exact number of matching documents")
    hits: list[SearchHit]
    facets: dict[str, list[FacetBucket]]
    next_cursor: str | None


class TermReportIn(Payload):
    terms: list[str] = Field(min_length=1, max_length=200, examples=[["budget", "gas w/3 price"]])


class TermRow(BaseModel):
    term: str
    documents: int = Field(description="Documents the term matches")
    unique_documents: int = Field(description="Documents matched by this term and no other")
    with_families: int = Field(description="Documents in the families of the matches")
    unique_with_families: int = Field(
        description="Documents in families that no other term reaches")


class TermReportOut(BaseModel):
    rows: list[TermRow]
    total_documents: int = Field(description="Documents matched by any term")
    total_with_families: int


class SavedSearchIn(Payload):
    name: str = Field(min_length=1, max_length=200)
    query: str = Field(min_length=1, max_length=4000)


class SavedSearchOut(BaseModel):
    id: uuid.UUID
    name: str
    query: str
    created_by: str
    created_at: datetime
    hit_count: int
    family_count: int
    engine: str
