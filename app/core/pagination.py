"""One page shape for every list endpoint, capped by settings."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from app.core.deps import SettingsDep
from app.core.errors import BadRequest

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
    if limit > settings.page_size_max:
        raise BadRequest(f"limit may be at most {settings.page_size_max}.")
    return PageParams(offset=offset, limit=limit)


PageDep = Annotated[PageParams, Depends(page_params)]
