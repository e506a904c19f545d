"""Timezone-aware time: stored in UTC, shown in the city's zone. "Now" is app.core.clock's."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """Refuse naive datetimes instead of guessing their zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
    return value.astimezone(UTC)
