"""What the search page's forms do: save a search, delete one, and add every hit (with
families) to a request's review set, through the services the API calls."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.auth.deps import Principal
from app.core.db import Database
from app.core.deps import DatabaseDep, EngineDep, SettingsDep
from app.core.errors import CustodiaError
from app.core.settings import Settings
from app.models import SavedSearch
from app.requests.lookup import records_request
from app.review import service as review
from app.review.schemas import AddedOut, ReviewSearchIn
from app.search import saved
from app.search.schemas import SavedSearchIn
from app.ui.deps import ClerkStaff, ReviewerStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import redirect, render
from app.ui.search import SORTS, link, page_context
from search.engines import SearchEngine

router = APIRouter()
QUERY_MAX = 4000
Text = Annotated[str, Form(max_length=QUERY_MAX)]


def _again(request: Request, database: Database, engine: SearchEngine, settings: Settings,
           principal: Principal, q: str, sort: str, error: CustodiaError,
           **shown: str) -> Response:
    """The search page again, with the person's input and the refusal beside its form."""
    with database.reading() as session:
        context, _ = page_context(session, engine, settings, principal, q,
                                  sort if sort in SORTS else "relevance", None, "")
        context.update(shown)
        return render(request, "search/page.html", context, status=int(error.status))


@router.post("/search/saved")
def save_search(request: Request, principal: ReviewerStaff, database: DatabaseDep,
                settings: SettingsDep, engine: EngineDep, q: Text = "",
                name: Annotated[str, Form(max_length=200)] = "",
                sort: Annotated[str, Form(max_length=20)] = "relevance") -> Response:
    """Keep the query with a name and what it finds now (audited)."""
    def work(session: Any) -> SavedSearch:
        body = parsed(SavedSearchIn, {"name": name.strip(), "query": q.strip()})
        return saved.create(session, engine, settings, principal, body)
    done = attempt(database, work)
    if isinstance(done, CustodiaError):
        return _again(request, database, engine, settings, principal, q.strip(), sort, done,
                      save_name=name, save_error=done.detail)
    return redirect(request, link(q.strip(), sort if sort in SORTS else "relevance"),
                    f"Saved the search “{name.strip()}”.")


@router.post("/search/saved/{saved_id}/delete")
def delete_saved_search(request: Request, saved_id: uuid.UUID, principal: ReviewerStaff,
                        database: DatabaseDep, settings: SettingsDep,
                        engine: EngineDep) -> Response:
    """Only its author or an administrator may delete a saved search (audited)."""
    done = attempt(database, lambda session: saved.delete(session, principal, saved_id))
    if isinstance(done, CustodiaError):
        return _again(request, database, engine, settings, principal, "", "relevance", done,
                      save_error=done.detail)
    return redirect(request, "/search", "The saved search is deleted.")


@router.post("/search/review-set")
def add_to_review_set(request: Request, principal: ClerkStaff, database: DatabaseDep,
                      settings: SettingsDep, engine: EngineDep, request_id: Annotated[
                          uuid.UUID, Form()], q: Text = "",
                      sort: Annotated[str, Form(max_length=20)] = "relevance") -> Response:
    """Every hit of the query, each with its family, into the chosen request's review set."""
    def work(session: Any) -> tuple[str, AddedOut]:
        body = parsed(ReviewSearchIn, {"query": q.strip()})
        records = records_request(session, request_id)
        return records.number, review.add_by_search(session, engine, settings, principal,
                                                    records, body.query)
    done = attempt(database, work)
    if isinstance(done, CustodiaError):
        return _again(request, database, engine, settings, principal, q.strip(), sort, done,
                      review_error=done.detail, chosen_request=str(request_id))
    number, added = done
    return redirect(request, link(q.strip(), sort if sort in SORTS else "relevance"),
                    f"Request {number}: {added.hits} hits, {added.added} documents added "
                    f"with their families; the review set holds {added.total} now.")
