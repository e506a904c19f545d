from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.auth.deps import ReviewerUser as Reviewer
from app.core.deps import EngineDep, ReadSessionDep, SessionDep, SettingsDep
from app.core.pagination import Page, PageDep, paginate
from app.search import report, saved
from app.search.schemas import (
    SavedSearchIn,
    SavedSearchOut,
    SearchIn,
    SearchOut,
    TermReportIn,
    TermReportOut,
)
from app.search.service import search

router = APIRouter(prefix="/api/v1", tags=["search"])

SYNTAX = """
Query language: words (implicit AND), AND, OR, NOT, parentheses, "exact phrase",
`a w/N b` (within N words, any order), `a pre/N b` (a before b), wildcards `*` and `?`
(not first in a word), fields `from: to: cc: bcc: participant: subject: body: attachment:
filename: custodian: type:email|voicemail|attachment has:attachment`, dates
`date:2024-01-01..2024-03-31`, `date:2024-02`, `after:` and `before:` (whole days in the
city's time zone). A syntax error answers 400 with `position` (0-based) and `message`.
"""


@router.post("/search", response_model=SearchOut, description=SYNTAX)
def run_search(body: SearchIn, reviewer: Reviewer, session: ReadSessionDep, settings: SettingsDep,
               engine: EngineDep) -> Response:
    """Search the records. Every search is audited (who, what, how many)."""
    found = search(session, engine, settings, reviewer.actor, body)
    # Built from the catalog by service.search: serialized once, by pydantic, not validated again.
    return Response(found.model_dump_json(), media_type="application/json")


@router.post("/search/term-report", response_model=TermReportOut,
             responses={200: {"content": {"text/csv": {}}}})
def term_report(body: TermReportIn, reviewer: Reviewer, session: ReadSessionDep,
                settings: SettingsDep, engine: EngineDep,
                format: Annotated[Literal["json", "csv"], Query()] = "json",
                ) -> TermReportOut | Response:
    """Hits per term and unique hits, with and without families; JSON or CSV."""
    found = report.term_report(session, engine, settings, reviewer.actor, body.terms)
    if format == "csv":
        return Response(report.as_csv(found), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="term-report.csv"'})
    return found


def _out(found: object) -> SavedSearchOut:
    return SavedSearchOut.model_validate(found, from_attributes=True)


@router.post("/saved-searches", response_model=SavedSearchOut, status_code=201)
def create_saved_search(body: SavedSearchIn, reviewer: Reviewer, session: SessionDep,
                        settings: SettingsDep, engine: EngineDep) -> SavedSearchOut:
    """Run the query now and keep it with its hit count, its author and the time."""
    return _out(saved.create(session, engine, settings, reviewer, body))


@router.get("/saved-searches", response_model=Page[SavedSearchOut])
def list_saved_searches(_: Reviewer, session: ReadSessionDep, page: PageDep) -> Page[SavedSearchOut]:
    return paginate(session, saved.newest_first(), page, _out)


@router.get("/saved-searches/{saved_id}", response_model=SavedSearchOut)
def get_saved_search(saved_id: uuid.UUID, _: Reviewer, session: ReadSessionDep) -> SavedSearchOut:
    return _out(saved.get(session, saved_id))


@router.delete("/saved-searches/{saved_id}", status_code=204)
def delete_saved_search(saved_id: uuid.UUID, reviewer: Reviewer, session: SessionDep) -> Response:
    """Only its author or an administrator may delete a saved search (audited)."""
    saved.delete(session, reviewer, saved_id)
    return Response(status_code=204)
