"""What every request refuses: text holding a NUL character (U+0000).

No name, query or address a person types holds one, and PostgreSQL cannot store it
in a text or JSON column: such a request failed there with a 500 (found by
schemathesis). SQLite could store it; both refuse it alike, as a 422 that names the
field. Request bodies derive from Payload; other text inputs (query parameters, form
fields) are typed Text.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, field_validator


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


# A calendar day in a body: an ISO string only. Lax pydantic reads a number as Unix time,
# so 0 would be 1 January 1970.
Day = Annotated[date, Field(strict=True)]
Moment = Annotated[AwareDatetime, Field(strict=True)]
