"""What every request refuses: text holding a NUL character (U+0000).

No name, query or address a person types holds one, and PostgreSQL cannot store it
in a text or JSON column: such a request failed there with a 500 (found by
schemathesis). SQLite could store it; both refuse it alike, as a 422 that names the
field. Request bodies derive from Payload; other text inputs (query parameters, form
fields) are typed Text.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, field_validator


def without_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text may not hold a NUL character (U+0000)")
    return value


Text = Annotated[str, AfterValidator(without_nul)]


class Payload(BaseModel):
    """The base of request bodies: no text in any field, or in a list of them, holds a NUL."""

    @field_validator("*")
    @classmethod
    def _without_nul(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                without_nul(item)
        return value


NOT_A_NUMBER = ("write dates and times as ISO 8601 text, e.g. 2026-12-01, 09:00 or "
                "2026-12-01T09:00:00-07:00")


def not_a_number(value: Any) -> Any:
    """Pydantic reads a bare number as Unix time: 0 would be 1 January 1970, not a mistake."""
    if isinstance(value, int | float):
        raise ValueError(NOT_A_NUMBER)
    if isinstance(value, str):
        try:
            float(value)  # any way of writing a number: 2026, 0.5, 4e-36, 1_000
        except ValueError:
            return value
        raise ValueError(NOT_A_NUMBER)
    return value


Day = Annotated[date, BeforeValidator(not_a_number)]  # a calendar day in a body
Moment = Annotated[AwareDatetime, BeforeValidator(not_a_number)]  # an instant, with its offset
TimeOfDay = Annotated[time, BeforeValidator(not_a_number)]  # a time on the city's clock
