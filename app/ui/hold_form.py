"""The hold form's fields, as the browser sends them, turned into the API's payloads."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Form

from app.core.errors import BadRequest
from app.holds.schemas import HoldOut
from app.people.schemas import PersonOut

FIELDS = ("matter_name", "matter_number", "description", "query", "date_from", "date_to",
          "sources", "reminder_days", "escalation_days")
MAX_CUSTODIANS = 1000


def hold_form(
    matter_name: Annotated[str, Form(max_length=1000)] = "",
    matter_number: Annotated[str, Form(max_length=1000)] = "",
    description: Annotated[str, Form(max_length=40_000)] = "",
    custodians: Annotated[list[str] | None, Form()] = None,
    query: Annotated[str, Form(max_length=8000)] = "",
    date_from: Annotated[str, Form(max_length=100)] = "",
    date_to: Annotated[str, Form(max_length=100)] = "",
    sources: Annotated[str, Form(max_length=200_000)] = "",
    reminder_days: Annotated[str, Form(max_length=100)] = "7",
    escalation_days: Annotated[str, Form(max_length=100)] = "14",
) -> dict[str, Any]:
    """What the person typed, kept as text so a refused form shows it again."""
    return {"matter_name": matter_name, "matter_number": matter_number,
            "description": description, "custodians": (custodians or [])[:MAX_CUSTODIANS + 1],
            "query": query, "date_from": date_from, "date_to": date_to, "sources": sources,
            "reminder_days": reminder_days, "escalation_days": escalation_days}


def _person_ids(values: list[str]) -> list[str]:
    if len(values) > MAX_CUSTODIANS:
        raise BadRequest(f"A hold names at most {MAX_CUSTODIANS} custodians.")
    for value in values:
        try:
            uuid.UUID(value)
        except ValueError:
            raise BadRequest(f"“{value[:60]}” is not a person from the directory; choose the "
                             "custodians from the list.") from None
    return values


def _days(value: str) -> Any:
    return int(value) if value.strip().isdigit() else value  # a non-number: the schema says so


def payload(values: dict[str, Any]) -> dict[str, Any]:
    """The form's text as the API's HoldIn/HoldPatch fields (validated by that schema)."""
    return {"matter_name": values["matter_name"], "matter_number": values["matter_number"],
            "description": values["description"], "query": values["query"],
            "custodians": _person_ids(values["custodians"]),
            "date_from": values["date_from"].strip() or None,
            "date_to": values["date_to"].strip() or None,
            "sources": [line.strip() for line in values["sources"].splitlines() if line.strip()],
            "reminder_days": _days(values["reminder_days"]),
            "escalation_days": _days(values["escalation_days"])}


def values_of(hold: HoldOut) -> dict[str, Any]:
    """A hold as its edit form shows it."""
    return {"matter_name": hold.matter_name, "matter_number": hold.matter_number,
            "description": hold.description, "custodians": [str(c) for c in hold.custodians],
            "query": hold.query, "date_from": hold.date_from.isoformat() if hold.date_from else "",
            "date_to": hold.date_to.isoformat() if hold.date_to else "",
            "sources": "\n".join(hold.sources), "reminder_days": str(hold.reminder_days),
            "escalation_days": str(hold.escalation_days)}


def blank() -> dict[str, Any]:
    return {**dict.fromkeys(FIELDS, ""), "custodians": [], "reminder_days": "7",
            "escalation_days": "14"}


def label(person: PersonOut) -> str:
    """How a person is offered as a custodian: name, department, current address."""
    current = next((e.address for e in person.emails if e.current), "no current address")
    return ", ".join(part for part in (person.name, person.department, current) if part)
