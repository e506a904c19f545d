"""Redactions: suggestions over a request's review set, reviewers' decisions, spans drawn
by hand, and "redact every instance". Clerks, attorneys and admins redact; auditors read
the decisions without the quotes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import Principal, RequestReader, ReviewerUser
from app.core.deps import ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep
from app.models import Redaction, RedactionStatus
from app.redaction import instances, service, suggest
from app.redaction.schemas import (
    DecisionIn,
    EveryInstanceIn,
    EveryInstanceOut,
    ManualIn,
    RedactionOut,
    SuggestOut,
)
from app.requests.lookup import records_request

router = APIRouter(prefix="/api/v1", tags=["redaction"])
Detector = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$",
                                       examples=["ssn"])]


def show(redaction: Redaction, principal: Principal) -> RedactionOut:
    return RedactionOut(
        id=redaction.id, text_sha256=redaction.text_sha256, document_id=redaction.document_id,
        request_id=redaction.request_id, start=redaction.start, end=redaction.end,
        quote=redaction.quote if service.may_read_records(principal) else None,
        masked=service.masked(redaction.quote), detector=redaction.detector,
        confidence=redaction.confidence, status=redaction.status, reason=redaction.reason,
        citation_code=redaction.citation_code, reviewer=redaction.reviewer,
        reviewed_at=redaction.reviewed_at, created_at=redaction.created_at,
        version=redaction.version)


def shown(found: Page[Redaction], principal: Principal) -> Page[RedactionOut]:
    return Page(items=[show(r, principal) for r in found.items], total=found.total,
                offset=found.offset, limit=found.limit)


@router.get("/requests/{request_id}/redactions", response_model=Page[RedactionOut])
def list_for_request(request_id: uuid.UUID, reader: RequestReader, session: ReadSessionDep,
                     page: PageDep, status: Annotated[RedactionStatus | None, Query()] = None,
                     detector: Detector = None) -> Page[RedactionOut]:
    """The redactions on the review set's texts (a duplicate's too), by document and start."""
    request = records_request(session, request_id)
    return shown(service.for_request(session, request, page, status, detector), reader)


@router.post("/requests/{request_id}/redactions/suggest", response_model=SuggestOut)
def suggest_for_request(request_id: uuid.UUID, reviewer: ReviewerUser, session: SessionDep,
                        settings: SettingsDep) -> SuggestOut:
    """Run the detectors over the review set's texts: each finding a suggestion, spans
    already there kept as decided. A large set is done by a job (job_id)."""
    request = records_request(session, request_id)
    return suggest.suggest_for_request(session, reviewer, request, settings)


@router.post("/requests/{request_id}/redactions/every-instance",
             response_model=EveryInstanceOut)
def every_instance(request_id: uuid.UUID, body: EveryInstanceIn, reviewer: ReviewerUser,
                   session: SessionDep, settings: SettingsDep) -> EveryInstanceOut:
    """Redact a string wherever it occurs in the review set's texts (any case; a number
    however its digits are separated), each occurrence an accepted redaction."""
    request = records_request(session, request_id)
    return instances.redact_every_instance(session, settings, reviewer, request, body.quote,
                                           body.reason, body.citation)


@router.get("/documents/{document_id}/redactions", response_model=Page[RedactionOut])
def list_for_document(document_id: uuid.UUID, reader: RequestReader, session: ReadSessionDep,
                      page: PageDep, status: Annotated[RedactionStatus | None, Query()] = None,
                      ) -> Page[RedactionOut]:
    """Every redaction on the document's text, shared with its duplicates, by start."""
    return shown(service.for_document(session, document_id, page, status), reader)


@router.post("/documents/{document_id}/redactions", response_model=RedactionOut,
             status_code=201)
def add(document_id: uuid.UUID, body: ManualIn, reviewer: ReviewerUser, session: SessionDep,
        settings: SettingsDep) -> RedactionOut:
    """Redact a span drawn by hand: accepted at once, with its reason and citation."""
    request = records_request(session, body.request_id) if body.request_id else None
    return show(service.add(session, settings, reviewer, document_id, body.start, body.end,
                            body.reason, body.citation, request), reviewer)


@router.get("/redactions/{redaction_id}", response_model=RedactionOut)
def get_redaction(redaction_id: uuid.UUID, reader: RequestReader,
                  session: ReadSessionDep) -> RedactionOut:
    return show(service.get(session, redaction_id), reader)


@router.patch("/redactions/{redaction_id}", response_model=RedactionOut)
def decide(redaction_id: uuid.UUID, body: DecisionIn, reviewer: ReviewerUser,
           session: SessionDep, settings: SettingsDep) -> RedactionOut:
    """Accept (with start and end: adjust) or reject; send the version you read."""
    return show(service.decide(session, settings, reviewer, redaction_id,
                               status=RedactionStatus(body.status), version=body.version,
                               reason=body.reason, citation_code=body.citation,
                               start=body.start, end=body.end), reviewer)
