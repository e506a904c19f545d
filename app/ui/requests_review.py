"""The review set on the case file: add documents by a search, tag them (buttons and the
r/n/p/e keys), take them out. htmx swaps the review set in place; without JavaScript each
form posts and comes back to the case file."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import Principal
from app.core.db import Database
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import BadRequest, CustodiaError
from app.core.settings import Settings
from app.near_duplicates import propagate
from app.near_duplicates.schemas import GroupTagIn
from app.requests.lookup import records_request
from app.review import service, tags
from app.review.schemas import RemoveDocumentsIn, ReviewSearchIn, TagIn
from app.ui.deps import ClerkStaff, ReviewerStaff
from app.ui.forms import attempt, blank_to_none, parsed
from app.ui.pages import redirect, render
from app.ui.requests_case import case_page, review_context
from app.ui.requests_forms import ids

router = APIRouter()
SET = "/requests/{request_id}/review-set"
NONE_TICKED = "Tick the documents first. Nothing was changed."
Documents = Annotated[list[str], Form(max_length=1000)]


def _answer(request: Request, database: Database, settings: Settings, principal: Principal,
            request_id: uuid.UUID, outcome: Any, message: Any) -> Response:
    """htmx gets the review set again (with the message or the refusal); a plain form goes
    back to the case file, or sees it again with the refusal."""
    error = outcome if isinstance(outcome, CustodiaError) else None
    if request.headers.get("hx-request"):
        with database.reading() as session:
            found = records_request(session, request_id)
            context = review_context(session, settings, found)
            # 200 although refused: htmx swaps only answers of 2xx in, and the refusal is
            # shown in the swapped part (nothing was changed).
            return render(request, "requests/_review.html", {
                **context, "case": found, "error": error,
                "failed": "review" if error else "", "kept": {}, "oob": True,
                "done": "" if error else message(outcome)})
    if error is not None:
        return case_page(request, database, settings, principal, request_id, error=error,
                         failed="review")
    return redirect(request, f"/requests/{request_id}#review", message(outcome))


@router.post(f"{SET}/searches")
def add_by_search(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
                  database: DatabaseDep, settings: SettingsDep,
                  query: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Add every hit of a search (the search language) with its family."""
    engine = request.app.state.engine

    def add(session: Any) -> Any:
        body = parsed(ReviewSearchIn, {"query": query})
        return service.add_by_search(session, engine, settings, principal,
                                     records_request(session, request_id), body.query)

    outcome = attempt(database, add)
    return _answer(request, database, settings, principal, request_id, outcome,
                   lambda found: f"The search found {found.hits}; {found.added} added "
                                 f"({found.added_as_family} with their families), "
                                 f"{found.already_in_set} already there.")


@router.post(f"{SET}/tags")
def tag(request_id: uuid.UUID, request: Request, principal: ReviewerStaff,
        database: DatabaseDep, settings: SettingsDep,
        tag: Annotated[str, Form(max_length=40)] = "",
        citation: Annotated[str, Form(max_length=60)] = "",
        note: Annotated[str, Form(max_length=2000)] = "",
        document_ids: Documents = []) -> Response:  # noqa: B006 - FastAPI copies defaults
    """Tag the ticked documents; the API's role rule decides who may set which tag."""
    engine = request.app.state.engine

    def set_tag(session: Any) -> Any:
        chosen = ids(document_ids)
        if not chosen:
            raise BadRequest(NONE_TICKED)
        body = parsed(TagIn, blank_to_none({"tag": tag, "citation": citation, "note": note})
                      | {"note": note, "document_ids": chosen})
        return tags.set_tags(session, engine, settings, principal,
                             records_request(session, request_id), body)

    outcome = attempt(database, set_tag)
    return _answer(request, database, settings, principal, request_id, outcome,
                   lambda found: f"Tagged {found.documents} {found.tag.value.replace('_', ' ')}"
                                 f" ({found.changed} changed, {found.replaced} replaced).")


@router.post(f"{SET}/near-duplicate-groups/{{group_id}}/tags")
def tag_group(request_id: uuid.UUID, group_id: uuid.UUID, request: Request,
              principal: ReviewerStaff, database: DatabaseDep, settings: SettingsDep,
              tag: Annotated[str, Form(max_length=40)] = "") -> Response:
    """Tag every document of a near-duplicate group in the set (app.near_duplicates)."""
    engine = request.app.state.engine

    def set_tag(session: Any) -> Any:
        body = parsed(GroupTagIn, {"tag": tag})
        return propagate.tag_group(session, engine, settings, principal,
                                   records_request(session, request_id), group_id, body)

    outcome = attempt(database, set_tag)
    return _answer(request, database, settings, principal, request_id, outcome,
                   lambda found: f"Tagged the group's {found.documents} documents "
                                 f"{found.tag.value.replace('_', ' ')} ({found.changed} changed).")


@router.post(f"{SET}/remove")
def remove(request_id: uuid.UUID, request: Request, principal: ClerkStaff,
           database: DatabaseDep, settings: SettingsDep,
           document_ids: Documents = []) -> Response:  # noqa: B006
    """Take the ticked documents out, with their families and tags."""
    def take_out(session: Any) -> Any:
        chosen = ids(document_ids)
        if not chosen:
            raise BadRequest(NONE_TICKED)
        body = parsed(RemoveDocumentsIn, {"document_ids": chosen})
        return service.remove_documents(session, principal, records_request(session, request_id),
                                        body.document_ids, body.with_family)

    outcome = attempt(database, take_out)
    return _answer(request, database, settings, principal, request_id, outcome,
                   lambda found: f"Took out {found.removed} documents and {found.tags_removed} "
                                 "tags.")
