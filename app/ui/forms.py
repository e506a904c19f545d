"""Doing what a form asks, safely: the change runs in a transaction of its own and a refusal
comes back as a value, so the page can show it beside the person's input, and nothing of
the refused change is kept (the transaction rolled back before the page is drawn)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.errors import BadRequest, CustodiaError

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def attempt(database: Database, work: Callable[[Session], T]) -> T | CustodiaError:
    """`work` in one transaction: its result, or the error that refused it (rolled back)."""
    try:
        with database.transaction() as session:
            return work(session)
    except CustodiaError as error:
        return error


def parsed(model: type[M], values: dict[str, Any]) -> M:
    """A form's values as the API's payload model, or BadRequest naming each bad field:
    one validation for both, so the page refuses what the API refuses."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(part) for part in e['loc']) or 'form'}: {e['msg']}"
                             for e in error.errors())
        raise BadRequest(f"Please correct the form: {problems}.") from None


def blank_to_none(values: dict[str, Any]) -> dict[str, Any]:
    """An empty field means "not given" (a browser sends "" for an untouched input)."""
    return {name: (None if value == "" else value) for name, value in values.items()}
