"""The admin's page for what the portal publishes: the CORA policy and the fee schedule,
in each language, saved through app.portal.texts (audited with before and after)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.core.deps import DatabaseDep
from app.models import PublicTextKey
from app.portal import texts
from app.ui import i18n
from app.ui.deps import AdminStaff
from app.ui.forms import attempt
from app.ui.pages import redirect, render

router = APIRouter()
TITLES = {PublicTextKey.cora_policy: "CORA policy", PublicTextKey.fee_schedule: "Fee schedule"}


def _field(key: PublicTextKey, language: str) -> str:
    return f"{key.value}.{language}"


def _page(request: Request, values: dict[str, str], error: str = "", status: int = 200,
          rows: dict[str, Any] | None = None) -> Response:
    fields = [{"name": _field(key, language), "title": f"{TITLES[key]} ({label})", "language": language,
               "value": values.get(_field(key, language), ""), "row": (rows or {}).get(_field(key, language))}
              for key in PublicTextKey for language, label in i18n.LANGUAGES.items()]
    return render(request, "admin/public_texts.html", {"fields": fields, "error": error,
                                                       "limit": texts.MAX_BODY}, status=status)


@router.get("/admin/public-texts")
def public_texts(request: Request, admin: AdminStaff, database: DatabaseDep) -> Response:
    with database.reading() as session:
        rows = texts.all_texts(session)
        shown = {_field(key, language): row for (key, language), row in rows.items()}
    return _page(request, {name: row.body for name, row in shown.items()}, rows=shown)


@router.post("/admin/public-texts")
async def save_public_texts(request: Request, admin: AdminStaff, database: DatabaseDep) -> Response:
    received = await request.form()
    values = {_field(key, language): str(received.get(_field(key, language), ""))[:texts.MAX_BODY * 2]
              for key in PublicTextKey for language in i18n.LANGUAGES}

    def save_all(session: Any) -> int:
        saved = [texts.save(session, admin.actor, key, language, values[_field(key, language)])
                 for key in PublicTextKey for language in i18n.LANGUAGES]
        return sum(1 for row in saved if row is not None)

    outcome = await run_in_threadpool(attempt, database, save_all)  # off the event loop
    if not isinstance(outcome, int):
        return _page(request, values, outcome.detail, int(outcome.status))
    message = f"Saved: {outcome} changed text(s)." if outcome else "Nothing changed."
    return redirect(request, "/admin/public-texts", message)
