"""The grounds to withhold that reviewers may cite: list, add, edit the wording, retire from
a day (or bring back), through app.review.citations (audited, as the API)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import BadRequest, CustodiaError
from app.core.settings import Settings
from app.models import Citation, CitationKind
from app.review import citations
from app.review.schemas import CitationChange, CitationIn
from app.ui.admin_kit import change, form_of, given, uuid_of
from app.ui.deps import AdminStaff
from app.ui.pages import redirect, render

router = APIRouter(prefix="/admin/citations")
FIELDS = ("code", "title", "kind", "note", "effective_from", "retired_on")
WORDING = ("title", "kind", "note", "effective_from")


def _list(request: Request, database: DatabaseDep, settings: Settings,
          form: dict[str, str] | None = None, error: CustodiaError | None = None) -> Response:
    with database.reading() as session:
        now = citations.today(session, settings)
        found = [citations.show(c, now) for c in citations.every(session)]
    return render(request, "admin/citations_list.html", {
        "citations": found, "today": now, "kinds": list(CitationKind), "error": error,
        "form": form or {name: "" for name in FIELDS} | {"effective_from": str(now)},
    }, status=int(error.status) if error else 200)


@router.get("")
def citation_list(request: Request, admin: AdminStaff, database: DatabaseDep,
                  settings: SettingsDep) -> Response:
    return _list(request, database, settings)


@router.post("")
async def add_citation(request: Request, admin: AdminStaff, database: DatabaseDep,
                       settings: SettingsDep) -> Response:
    form = await form_of(request)
    values = given({name: form.get(name, "") for name in FIELDS}, "note")
    outcome = change(database, CitationIn, values,
                     lambda session, body: citations.create(session, admin.actor, body))
    if isinstance(outcome, CustodiaError):
        return _list(request, database, settings, form, outcome)
    return redirect(request, "/admin/citations", f"Citation {outcome.code} is added.")


def _edit(request: Request, database: DatabaseDep, settings: Settings, citation_id: str,
          form: dict[str, str] | None = None, error: CustodiaError | None = None) -> Response:
    found = uuid_of(citation_id, "citation")
    with database.reading() as session:
        citation: Citation = citations.get(session, found)
        shown = citations.show(citation, citations.today(session, settings))
    return render(request, "admin/citations_edit.html", {
        "citation": shown, "kinds": list(CitationKind), "error": error,
        "form": {name: str(getattr(shown, name) or "") for name in FIELDS} | (form or {}),
    }, status=int(error.status) if error else 200)


@router.get("/{citation_id}")
def citation_page(citation_id: str, request: Request, admin: AdminStaff,
                  database: DatabaseDep, settings: SettingsDep) -> Response:
    return _edit(request, database, settings, citation_id)


@router.post("/{citation_id}")
async def change_citation(citation_id: str, request: Request, admin: AdminStaff,
                          database: DatabaseDep, settings: SettingsDep) -> Response:
    """Save the wording (action=save), retire from a day (action=retire) or bring a retired
    citation back (action=restore: retired_on sent as an explicit null)."""
    found = uuid_of(citation_id, "citation")
    form = await form_of(request)
    action = form.get("action", "save")
    values: dict[str, Any]
    if action == "retire" and not form.get("retired_on"):
        return _edit(request, database, settings, citation_id, form, BadRequest(
            "Give the day from which the citation is cited no more. Nothing was changed."))
    if action == "retire":
        values = {"retired_on": form["retired_on"]}
    elif action == "restore":
        values = {"retired_on": None}
    else:
        values = given({name: form.get(name, "") for name in WORDING}, "note")
    outcome = change(database, CitationChange, values,
                     lambda session, body: citations.change(session, admin.actor, found, body))
    if isinstance(outcome, CustodiaError):
        return _edit(request, database, settings, citation_id, form, outcome)
    done = {"retire": f"is retired from {outcome.retired_on}",
            "restore": "may be cited again"}.get(action, "is saved")
    return redirect(request, f"/admin/citations/{found}", f"Citation {outcome.code} {done}.")
