"""What the city publishes on the portal (its CORA policy and fee schedule): read for the
public in their language, edited by admins with the before and after in the audit trail."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.clock import clock_of
from app.core.errors import BadRequest
from app.models import PublicText, PublicTextKey
from app.ui.i18n import LANGUAGES

MAX_BODY = 20_000


def published(session: Session, language: str) -> dict[PublicTextKey, str]:
    """Each text in `language` (a key left blank there is shown blank, never another's)."""
    rows = session.scalars(select(PublicText).where(PublicText.language == language))
    return {key: "" for key in PublicTextKey} | {row.key: row.body for row in rows}


def all_texts(session: Session) -> dict[tuple[PublicTextKey, str], PublicText]:
    return {(row.key, row.language): row for row in session.scalars(select(PublicText))}


def paragraphs(body: str) -> list[str]:
    """A text as the paragraphs the portal shows (blank lines separate them)."""
    return [part.strip() for part in body.replace("\r\n", "\n").split("\n\n") if part.strip()]


def save(session: Session, actor: Actor, key: PublicTextKey, language: str, body: str) -> PublicText | None:
    """Replace one text; audited with its before and after. None when nothing changed."""
    if language not in LANGUAGES:
        raise BadRequest(f"Unknown language {language[:20]!r}: one of {', '.join(LANGUAGES)}.")
    body = body.replace("\r\n", "\n").strip()
    if len(body) > MAX_BODY:
        raise BadRequest(f"The {key.value} text ({language}) is longer than {MAX_BODY:,} characters.")
    row = session.scalar(select(PublicText).where(PublicText.key == key, PublicText.language == language))
    before = row.body if row else None
    if before == body:
        return None
    now = clock_of(session).now()
    user_id = uuid.UUID(actor.user_id) if actor.user_id else None
    if row is None:
        row = PublicText(key=key, language=language, body=body, updated_at=now, updated_by=actor.name,
                         updated_by_id=user_id)
        session.add(row)
    else:
        row.body, row.updated_at, row.updated_by, row.updated_by_id = body, now, actor.name, user_id
    session.flush()
    audit.record(session, actor, "public_text.update", "public_text", row.id, key=key.value,
                 language=language, before={"body": before}, after={"body": body})
    return row
