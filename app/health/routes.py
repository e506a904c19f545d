from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel

from app.auth.deps import PUBLIC
from app.core.deps import DatabaseDep, SettingsDep
from ingest import probe as extractor_probe
from search import probe as search_probe

router = APIRouter(prefix="/api/v1", tags=["health"])


class Component(BaseModel):
    in_use: str
    status: Literal["ok", "down"]
    detail: str


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Component
    search: Component
    extractor: Component


def _component(in_use: str, check: Callable[[], str]) -> Component:
    try:
        return Component(in_use=in_use, status="ok", detail=check())
    except Exception as exc:  # a health check reports every failure, it never raises
        return Component(in_use=in_use, status="down", detail=str(exc))


@router.get("/health", response_model=Health, openapi_extra=PUBLIC)
def health(settings: SettingsDep, database: DatabaseDep, response: Response) -> Health:
    """Whether the database, search engine and extractor answer, and which of each is in use.

    503 when any of them is down, so a load balancer or container health check can act.
    """
    timeout = settings.service_timeout_seconds
    parts = {
        "database": _component(database.backend, database.describe),
        "search": _component(
            search_probe.describe(settings.elasticsearch_url),
            lambda: search_probe.probe(settings.elasticsearch_url, timeout),
        ),
        "extractor": _component(
            extractor_probe.describe(settings.tika_url),
            lambda: extractor_probe.probe(settings.tika_url, timeout),
        ),
    }
    healthy = all(part.status == "ok" for part in parts.values())
    if not healthy:
        response.status_code = 503
    return Health(status="ok" if healthy else "degraded", **parts)
