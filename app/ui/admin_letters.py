"""Letter templates: each kind of letter, its versions, and new wording checked in the
letters' sandbox when saved (an error names its line; the text is kept). A preview fills
the wording with sample data: the page shows it as text and as escaped HTML source, never
as live HTML, and offers the PDF a requester would get as a download."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import CustodiaError
from app.letters import templates
from app.letters.render import CONTEXT_KEYS, Rendered
from app.letters.schemas import TemplateVersionCreate
from app.letters.text import html_to_text
from app.models import LetterTemplate, LetterTemplateVersion
from app.ui.admin_kit import form_of, template_field, uuid_of
from app.ui.deps import ClerkStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import redirect, render

# Saving a version is the API's ClerkUser (clerks and administrators), so is this page.
router = APIRouter(prefix="/admin/letter-templates")


@router.get("")
def letter_templates(request: Request, clerk: ClerkStaff, database: DatabaseDep) -> Response:
    with database.reading() as session:
        found = templates.all_templates(session)
    return render(request, "admin/letters_list.html", {"templates": found})


def _editor(request: Request, database: DatabaseDep, template_id: str, *,
            text: dict[str, str] | None = None, error: CustodiaError | None = None,
            preview: Rendered | None = None, start: int | None = None) -> Response:
    found = uuid_of(template_id, "letter template")
    with database.reading() as session:
        template: LetterTemplate = templates.template(session, found)
        versions: list[LetterTemplateVersion] = templates.versions(session, found)
    base = next((v for v in versions if v.version == start), versions[0])
    text = text or {"subject_template": base.subject_template,
                    "body_template": base.body_template}
    return render(request, "admin/letters_edit.html", {
        "template": template, "versions": versions, "base": base, "text": text,
        "error": error, "error_field": template_field(error), "preview": preview,
        "preview_text": html_to_text(preview.html) if preview else "",
        "names": sorted(CONTEXT_KEYS),
    }, status=int(error.status) if error else 200)


@router.get("/{template_id}")
def letter_template(template_id: str, request: Request, clerk: ClerkStaff,
                    database: DatabaseDep, version: int | None = None) -> Response:
    return _editor(request, database, template_id, start=version)


def _text(form: dict[str, str]) -> dict[str, str]:
    return {name: form.get(name, "") for name in ("subject_template", "body_template")}


@router.post("/{template_id}")
async def save_or_preview(template_id: str, request: Request, clerk: ClerkStaff,
                          database: DatabaseDep, settings: SettingsDep) -> Response:
    """Save the wording as the next version, or (action=preview) only show it filled in."""
    found = uuid_of(template_id, "letter template")
    with database.reading() as session:
        templates.template(session, found)  # an unknown id is refused before any rendering
    form = await form_of(request)
    text = _text(form)
    try:
        body = parsed(TemplateVersionCreate, text)
        if form.get("action") == "preview":
            shown = templates.preview(body.subject_template, body.body_template,
                                      settings.city_name)
            return _editor(request, database, template_id, text=text, preview=shown)
    except CustodiaError as error:
        return _editor(request, database, template_id, text=text, error=error)
    outcome = attempt(database, lambda session: templates.save_version(
        session, clerk.actor, found, body.subject_template, body.body_template,
        settings.city_name))
    if isinstance(outcome, CustodiaError):
        return _editor(request, database, template_id, text=text, error=outcome)
    return redirect(request, f"/admin/letter-templates/{found}",
                    f"Version {outcome.version} is saved: new letters use it.")


@router.post("/{template_id}/preview.pdf")
async def preview_pdf(template_id: str, request: Request, clerk: ClerkStaff,
                      database: DatabaseDep, settings: SettingsDep) -> Response:
    """The wording in the form drawn as a PDF with sample data, as a download."""
    found = uuid_of(template_id, "letter template")
    with database.reading() as session:
        template = templates.template(session, found)
    text = _text(await form_of(request))
    try:
        body = parsed(TemplateVersionCreate, text)
        pdf = templates.preview_pdf(body.subject_template, body.body_template, settings.city_name)
    except CustodiaError as error:
        return _editor(request, database, template_id, text=text, error=error)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="preview-{template.kind.value}.pdf"'})
