"""One page shape for every list endpoint, capped by settings, and the one way to fill it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.core.deps import SettingsDep

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


class PageParams(BaseModel):
    offset: int
    limit: int


def page_params(
    settings: SettingsDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> PageParams:
    if limit > settings.page_size_max:  # a payload mistake like any other: 422
        raise RequestValidationError([{
            "loc": ("query", "limit"), "type": "less_than_equal", "input": limit,
            "msg": f"Input should be less than or equal to {settings.page_size_max}",
        }])
    return PageParams(offset=offset, limit=limit)


PageDep = Annotated[PageParams, Depends(page_params)]


def paginate(session: Session, query: Select[Any], page: PageParams,
             show: Callable[[Any], T]) -> Page[T]:
    """One page of an ordered query's rows, each shown as `show` makes it, and the total."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.offset(page.offset).limit(page.limit))
    return Page(items=[show(row) for row in rows], total=total or 0, offset=page.offset,
                limit=page.limit)
