"""Turning the clerk's form fields into what the API's schemas take: whole numbers, ids and
the city's local times, each refused with a message that names the field."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from app.core.errors import BadRequest

FIELD = 4000  # the longest text a form field may carry (the API's longest reason)


def whole(value: str, name: str, default: int | None = None) -> int:
    """A whole number typed into a form (the API's schemas take strict integers)."""
    text = value.strip()
    if not text and default is not None:
        return default
    if not text.isdigit() or len(text) > 9:
        raise BadRequest(f"{name}: write a whole number, such as 30 (you wrote {text[:40]!r}). "
                         "Nothing was changed.")
    return int(text)


def moment(value: str, zone: ZoneInfo, name: str) -> str | None:
    """A local date and time from a datetime-local field, as ISO 8601 with the city's offset."""
    text = value.strip()
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name}: write a date and time, such as 2026-12-01T09:30 (you wrote "
                         f"{text[:40]!r}). Nothing was changed.") from None
    if found.tzinfo is None:
        found = found.replace(tzinfo=zone)
    return found.isoformat()


def ids(values: Iterable[str], name: str = "documents") -> list[uuid.UUID]:
    """Ids from checkboxes: each must be a UUID."""
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            raise BadRequest(f"{name}: {value[:60]!r} is not an id. Nothing was changed.") from None
    return found


def departments(value: str) -> list[str]:
    """A comma-separated list of departments, blanks dropped."""
    return [part.strip() for part in value.split(",") if part.strip()]
