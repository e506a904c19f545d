"""Legal-hold notice templates: the wording of each kind of notice (notice, reminder,
escalation, release), edited as the API's PUT does (app.holds.notices.save_template:
checked in the letters' sandbox, audited), with a preview filled with the sample context."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import CustodiaError, NotFound
from app.holds import notices
from app.holds.schemas import NoticeTemplateIn
from app.letters.render import Rendered
from app.letters.text import html_to_text
from app.models import NoticeKind
from app.ui.admin_kit import form_of, template_field
from app.ui.deps import AttorneyStaff, HoldReaderStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import redirect, render

# The API's PUT is AttorneyUser (attorneys and administrators): so is this page.
router = APIRouter(prefix="/admin/notice-templates")
LABELS = {NoticeKind.notice: "Hold notice", NoticeKind.reminder: "Reminder",
          NoticeKind.escalation: "Escalation to the supervisor",
          NoticeKind.release: "Release notice"}


def kind_of(value: str) -> NoticeKind:
    try:
        return NoticeKind(value)
    except ValueError:
        raise NotFound("No hold notice template of that kind: the kinds are "
                       f"{', '.join(kind.value for kind in NoticeKind)}.") from None


@router.get("")
def notice_templates(request: Request, reader: HoldReaderStaff,
                     database: DatabaseDep) -> Response:
    with database.reading() as session:
        found = [notices.current_template(session, kind) for kind in NoticeKind]
    return render(request, "admin/notices_list.html", {"templates": found, "labels": LABELS})


def _editor(request: Request, database: DatabaseDep, kind: NoticeKind, *,
            text: dict[str, str] | None = None, error: CustodiaError | None = None,
            preview: Rendered | None = None) -> Response:
    with database.reading() as session:
        current = notices.current_template(session, kind)
    text = text or {"subject_template": current.subject_template,
                    "body_template": current.body_template}
    return render(request, "admin/notices_edit.html", {
        "kind": kind, "label": LABELS[kind], "current": current, "text": text, "error": error,
        "error_field": template_field(error), "preview": preview,
        "preview_text": html_to_text(preview.html) if preview else "",
        "names": sorted(notices.CONTEXT_KEYS),
    }, status=int(error.status) if error else 200)


@router.get("/{kind}")
def notice_template(kind: str, request: Request, reader: HoldReaderStaff,
                    database: DatabaseDep) -> Response:
    return _editor(request, database, kind_of(kind))


@router.post("/{kind}")
async def save_or_preview(kind: str, request: Request, attorney: AttorneyStaff,
                          database: DatabaseDep, settings: SettingsDep) -> Response:
    found = kind_of(kind)
    form = await form_of(request)
    text = {name: form.get(name, "") for name in ("subject_template", "body_template")}
    try:
        body = parsed(NoticeTemplateIn, text)
        if form.get("action") == "preview":
            shown = notices.preview(settings, body.subject_template, body.body_template)
            return _editor(request, database, found, text=text, preview=shown)
    except CustodiaError as error:
        return _editor(request, database, found, text=text, error=error)
    outcome = attempt(database, lambda session: notices.save_template(
        session, settings, attorney.actor, found, body.subject_template, body.body_template))
    if isinstance(outcome, CustodiaError):
        return _editor(request, database, found, text=text, error=outcome)
    return redirect(request, f"/admin/notice-templates/{found.value}",
                    f"Version {outcome.version} of the {LABELS[found].lower()} is saved: "
                    "notices from now on use it.")
