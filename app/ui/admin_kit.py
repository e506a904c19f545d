"""What the admin pages for the city's rules and texts share: a form's text values read
safely, numbers handed to the API's strict schemas as numbers, and a refusal as a value."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel

from app.core.db import Database
from app.core.errors import BadRequest, CustodiaError, NotFound
from app.ui.forms import attempt, parsed

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
FIELD_MAX = 200_000  # characters of any one field; the schemas set the real limits


async def form_of(request: Request) -> dict[str, str]:
    """The posted fields that are text (files and the CSRF token left out), each capped."""
    form = await request.form()
    return {name: value[:FIELD_MAX] for name, value in form.items()
            if isinstance(value, str) and name != "csrf_token"}


def numbers(values: dict[str, Any], *names: str) -> dict[str, Any]:
    """The API's schemas take whole numbers strictly: a form sends text, so "5" becomes 5;
    anything else is left as it is for the schema to refuse by name."""
    out = dict(values)
    for name in names:
        value = out.get(name)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            out[name] = int(value.strip())
    return out


def uuid_of(value: str, what: str) -> uuid.UUID:
    """An id from the browser: a 404 that names the thing when it is not one."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"No {what} with that id.") from None


def given(values: dict[str, Any], *texts: str) -> dict[str, Any]:
    """An empty field is "not given" (the schema's default, or unchanged), except the free
    `texts` (a note), where empty means empty."""
    return {name: value for name, value in values.items() if value != "" or name in texts}


def change(database: Database, model: type[M], values: dict[str, Any],
           work: Callable[[Any, M], T]) -> T | CustodiaError:
    """The form as the API's payload, then `work(session, payload)` in its own transaction:
    its result, or the refusal (nothing of it kept)."""
    try:
        body = parsed(model, values)
    except BadRequest as error:
        return error
    return attempt(database, lambda session: work(session, body))


def template_field(error: CustodiaError | None) -> str:
    """The textarea a refusal is about: the sandbox names "subject" or "body"; the schema
    names subject_template or body_template."""
    if error is None:
        return ""
    named = str(error.extra.get("field", ""))
    if named in ("subject", "body"):
        return f"{named}_template"
    for name in ("subject_template", "body_template"):
        if name in error.detail:
            return name
    return ""
