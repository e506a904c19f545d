"""What the redaction routes take and answer: spans, decisions on them, their runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.core.payload import Payload
from app.models import RedactionStatus

CITATION = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9().\-]+$",
                 description="A citation's code (GET /api/v1/citations), in force today",
                 examples=["SSN"])
REASON = Field(min_length=1, max_length=2000, description="Why it is redacted, for the log",
               examples=["Employee's Social Security number"])
OFFSET = "A character offset into the document's text"


class Span(Payload):
    start: int = Field(ge=0, le=2**31 - 1, description=OFFSET)
    end: int = Field(ge=1, le=2**31 - 1, description=OFFSET)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class ManualIn(Span):
    """A span a reviewer draws by hand: accepted at once, in their name."""

    reason: str = REASON
    citation: str = CITATION
    request_id: uuid.UUID | None = Field(
        default=None, description="The request under review; the document must be in its set")

    model_config = {"json_schema_extra": {"examples": [{
        "start": 120, "end": 131, "reason": "Employee's Social Security number",
        "citation": "SSN"}]}}


class DecisionIn(Payload):
    """Accept (optionally adjusting the span) or reject a redaction.

    `version` is the one you read: if someone decided meanwhile, the answer is 409.
    Accepting needs a reason and a citation in force; either may be left out when the
    redaction already has one (a suggestion carries its detector's citation)."""

    status: Literal[RedactionStatus.accepted, RedactionStatus.rejected]
    version: int = Field(ge=1, le=2**31 - 1)
    reason: str | None = Field(default=None, min_length=1, max_length=2000)
    citation: str | None = Field(default=None, min_length=1, max_length=60,
                                 pattern=r"^[A-Za-z0-9().\-]+$")
    start: int | None = Field(default=None, ge=0, le=2**31 - 1, description=OFFSET)
    end: int | None = Field(default=None, ge=1, le=2**31 - 1, description=OFFSET)

    model_config = {"json_schema_extra": {"examples": [
        {"status": "accepted", "version": 1, "reason": "Employee's Social Security number",
         "citation": "SSN"},
        {"status": "accepted", "version": 2, "start": 118, "end": 131},
        {"status": "rejected", "version": 1, "reason": "A case number, not an SSN"}]}}

    @model_validator(mode="after")
    def _span(self) -> DecisionIn:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end to adjust the span, or neither")
        if self.start is not None and self.end is not None:
            if self.start >= self.end:
                raise ValueError("start must be before end")
            if self.status != RedactionStatus.accepted:
                raise ValueError("a span is adjusted only when accepting it")
        if self.status == RedactionStatus.rejected and self.citation is not None:
            raise ValueError("a rejected redaction cites nothing")
        return self


class EveryInstanceIn(Payload):
    """Redact a string wherever it occurs in the review set's texts: any case, and for a
    number, written with any separators (078-05-1120, 078 05 1120, 078051120)."""

    quote: str = Field(min_length=2, max_length=200, examples=["078-05-1120"])
    reason: str = REASON
    citation: str = CITATION

    @model_validator(mode="after")
    def _not_blank(self) -> EveryInstanceIn:
        if len(self.quote.strip()) < 2:
            raise ValueError("quote needs at least two characters that are not spaces")
        return self


class RedactionOut(BaseModel):
    id: uuid.UUID
    text_sha256: str = Field(description="SHA-256 of the text it sits on: every document "
                                         "with that text shares it")
    document_id: uuid.UUID = Field(description="The document it was found or drawn on")
    request_id: uuid.UUID | None
    start: int
    end: int
    quote: str | None = Field(description="The redacted text; null for those who may not "
                                          "read the records (auditors)")
    masked: str = Field(description="The quote's shape: letters x/X, digits 9",
                        examples=["999-99-9999"])
    detector: str = Field(examples=["ssn", "manual", "every_instance"])
    confidence: float
    status: RedactionStatus
    reason: str
    citation_code: str
    reviewer: str
    reviewed_at: datetime | None
    created_at: datetime
    version: int


class SuggestOut(BaseModel):
    documents: int = Field(description="Documents whose text was read")
    texts: int = Field(description="Distinct texts among them (duplicates share one)")
    suggested: int = Field(description="New suggestions; spans already there are kept")
    job_id: uuid.UUID | None = Field(
        default=None, description="Set when the review set was large: the suggestions are "
                                  "made in the background by this job (GET /api/v1/jobs)")


class EveryInstanceOut(BaseModel):
    documents: int = Field(description="Documents of the review set where the string occurs")
    occurrences: int
    added: int = Field(description="New accepted redactions")
    accepted: int = Field(description="Suggested or rejected spans now accepted")
    already: int = Field(description="Spans already accepted, unchanged")
