"""The city's letter templates: read them, and save an edit as the next version."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.errors import NotFound
from app.core.hashing import sha256
from app.letters import isolation
from app.letters.context import sample_contexts
from app.letters.render import Rendered
from app.models import LetterKind, LetterTemplate, LetterTemplateVersion


def template(session: Session, template_id: uuid.UUID) -> LetterTemplate:
    found = session.get(LetterTemplate, template_id)
    if found is None:
        raise NotFound("No letter template with that id.")
    return found


def current_version(session: Session, template_id: uuid.UUID) -> LetterTemplateVersion:
    return session.scalars(select(LetterTemplateVersion).where(
        LetterTemplateVersion.template_id == template_id)
        .order_by(LetterTemplateVersion.version.desc()).limit(1)).one()


def versions(session: Session, template_id: uuid.UUID) -> list[LetterTemplateVersion]:
    return list(session.scalars(select(LetterTemplateVersion).where(
        LetterTemplateVersion.template_id == template_id)
        .order_by(LetterTemplateVersion.version.desc())))


def all_templates(session: Session) -> list[tuple[LetterTemplate, LetterTemplateVersion]]:
    """Every template with its current version, in the order of LetterKind."""
    newest = (select(LetterTemplateVersion.template_id,
                     func.max(LetterTemplateVersion.version).label("version"))
              .group_by(LetterTemplateVersion.template_id).subquery())
    rows = session.execute(
        select(LetterTemplate, LetterTemplateVersion)
        .join(newest, newest.c.template_id == LetterTemplate.id)
        .join(LetterTemplateVersion, (LetterTemplateVersion.template_id == LetterTemplate.id)
              & (LetterTemplateVersion.version == newest.c.version)))
    order = list(LetterKind)
    return sorted(((t, v) for t, v in rows), key=lambda row: order.index(row[0].kind))


def for_kind(session: Session, kind: LetterKind) -> tuple[LetterTemplate, LetterTemplateVersion]:
    found = session.scalar(select(LetterTemplate).where(LetterTemplate.kind == kind))
    if found is None:
        raise NotFound(f"There is no template for {kind} letters.")
    return found, current_version(session, found.id)


def _snapshot(version: LetterTemplateVersion) -> dict[str, object]:
    return {"version": version.version, "subject_template": version.subject_template,
            "body_sha256": sha256(version.body_template)}


def save_version(session: Session, actor: Actor, template_id: uuid.UUID, subject: str, body: str,
                 city_name: str) -> LetterTemplateVersion:
    """Check the new wording (400 naming the line if it fails), then add it as the next version."""
    found = template(session, template_id)
    isolation.run("check", subject, body, sample_contexts(city_name))
    current = current_version(session, found.id)
    version = LetterTemplateVersion(
        template_id=found.id, version=current.version + 1, subject_template=subject,
        body_template=body, created_by=actor.name,
        created_by_id=uuid.UUID(actor.user_id) if actor.user_id else None)
    session.add(version)
    session.flush()
    audit.record(session, actor, "letter_template.edit", "letter_template", found.id,
                 before=_snapshot(current), after=_snapshot(version), kind=found.kind)
    return version


def preview(subject: str, body: str, city_name: str) -> Rendered:
    """Wording checked as a save would check it (400 naming the line), then filled with the
    first sample context, so an editor sees the letter before saving it. Nothing is stored."""
    isolation.run("check", subject, body, sample_contexts(city_name))
    rendered: list[Rendered] = isolation.run("render_all", subject, body,
                                             sample_contexts(city_name)[:1])
    return rendered[0]


def preview_pdf(subject: str, body: str, city_name: str) -> bytes:
    """The same preview drawn as the PDF a requester would receive."""
    isolation.run("check", subject, body, sample_contexts(city_name))
    _, _, pdf = isolation.run("draw", subject, body, sample_contexts(city_name)[0])
    return bytes(pdf)
