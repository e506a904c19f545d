"""A request's review set, its tags and progress; the citations reviewers cite."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.auth.deps import AdminUser, ClerkUser, RequestReader, ReviewerUser
from app.core.deps import EngineDep, ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep, paginate
from app.models import ReviewTagName
from app.requests.lookup import records_request
from app.review import citations, inclusive, service, tags
from app.review.schemas import (
    AddDocumentsIn,
    AddedOut,
    CitationChange,
    CitationIn,
    CitationOut,
    InclusiveOut,
    ProgressOut,
    RemoveDocumentsIn,
    RemovedOut,
    ReviewItemOut,
    ReviewSearchIn,
    TaggedOut,
    TagIn,
)

router = APIRouter(prefix="/api/v1", tags=["review"])
SET = "/requests/{request_id}/review-set"


@router.post(f"{SET}/searches", response_model=AddedOut)
def add_by_search(request_id: uuid.UUID, body: ReviewSearchIn, clerk: ClerkUser,
                  session: SessionDep, settings: SettingsDep, engine: EngineDep) -> AddedOut:
    """Run a search (the language of POST /api/v1/search) and add every hit to the review
    set, each with its family (an attachment's e-mail, an e-mail's attachments)."""
    request = records_request(session, request_id)
    return service.add_by_search(session, engine, settings, clerk, request, body.query,
                                 body.people)


@router.post(f"{SET}/documents", response_model=AddedOut)
def add_documents(request_id: uuid.UUID, body: AddDocumentsIn, clerk: ClerkUser,
                  session: SessionDep) -> AddedOut:
    """Add documents by id, each with its family."""
    request = records_request(session, request_id)
    return service.add_documents(session, clerk, request, body.document_ids)


@router.post(f"{SET}/remove", response_model=RemovedOut)
def remove_documents(request_id: uuid.UUID, body: RemoveDocumentsIn, clerk: ClerkUser,
                     session: SessionDep) -> RemovedOut:
    """Take documents out of the review set, with their tags (audited)."""
    request = records_request(session, request_id)
    return service.remove_documents(session, clerk, request, body.document_ids,
                                    body.with_family)


@router.get(SET, response_model=Page[ReviewItemOut])
def list_review_set(request_id: uuid.UUID, _: RequestReader, session: ReadSessionDep,
                    page: PageDep, tag: Annotated[ReviewTagName | None, Query()] = None,
                    untagged: Annotated[bool, Query()] = False) -> Page[ReviewItemOut]:
    """The review set in the order it was added, each document with its tags."""
    request = records_request(session, request_id)
    return tags.items(session, request, page, tag, untagged)


@router.post(f"{SET}/tags", response_model=TaggedOut)
def tag_documents(request_id: uuid.UUID, body: TagIn, reviewer: ReviewerUser, session: SessionDep,
                  settings: SettingsDep, engine: EngineDep) -> TaggedOut:
    """Tag documents of the review set, listed or matched by a query. Only attorneys (and
    admins) set privileged and exempt, which withhold the whole document; clerks set the
    others. exempt needs a citation in force."""
    request = records_request(session, request_id)
    return tags.set_tags(session, engine, settings, reviewer, request, body)


@router.delete(f"{SET}/documents/{{document_id}}/tags/{{tag}}", status_code=204)
def remove_tag(request_id: uuid.UUID, document_id: uuid.UUID, tag: ReviewTagName,
               reviewer: ReviewerUser, session: SessionDep) -> Response:
    request = records_request(session, request_id)
    tags.remove_tag(session, reviewer, request, document_id, tag)
    return Response(status_code=204)


@router.get(f"{SET}/progress", response_model=ProgressOut)
def review_progress(request_id: uuid.UUID, _: RequestReader, session: ReadSessionDep) -> ProgressOut:
    """Documents in the review set, how many are untagged, and how many carry each tag."""
    return tags.progress(session, records_request(session, request_id))


@router.get(f"{SET}/inclusive", response_model=InclusiveOut)
def inclusive_preview(request_id: uuid.UUID, _: RequestReader,
                      session: ReadSessionDep) -> InclusiveOut:
    """How much reducing the review set to its inclusive e-mails would save; changes nothing."""
    return inclusive.preview(session, records_request(session, request_id))


@router.post(f"{SET}/reduce-to-inclusive", response_model=InclusiveOut)
def reduce_to_inclusive(request_id: uuid.UUID, clerk: ClerkUser,
                        session: SessionDep) -> InclusiveOut:
    """Take out the e-mails a later message of their thread holds whole (with their
    families), when those later messages are in the set and nothing of theirs is tagged.
    The counts of what it saved are returned and audited."""
    return inclusive.reduce(session, clerk, records_request(session, request_id))


@router.get("/citations", response_model=Page[CitationOut])
def list_citations(_: RequestReader, session: ReadSessionDep, settings: SettingsDep,
                   page: PageDep) -> Page[CitationOut]:
    """The grounds to withhold reviewers may cite, in force or not (see in_force)."""
    today = citations.today(session, settings)
    return paginate(session, citations.by_code(), page,
                    lambda c: citations.show(c, today))


@router.post("/citations", response_model=CitationOut, status_code=201)
def create_citation(body: CitationIn, admin: AdminUser, session: SessionDep,
                    settings: SettingsDep) -> CitationOut:
    found = citations.create(session, admin.actor, body)
    return citations.show(found, citations.today(session, settings))


@router.patch("/citations/{citation_id}", response_model=CitationOut)
def change_citation(citation_id: uuid.UUID, body: CitationChange, admin: AdminUser,
                    session: SessionDep, settings: SettingsDep) -> CitationOut:
    """Edit a citation; set retired_on to retire it (audited)."""
    found = citations.change(session, admin.actor, citation_id, body)
    return citations.show(found, citations.today(session, settings))
