"""Operations endpoints: `/metrics` for Prometheus (its own token), and liveness and
readiness beside `/api/v1/health` for an orchestrator."""

from __future__ import annotations

import hmac
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import text

from app.auth.deps import PUBLIC
from app.core import migrations
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import NotFound, ServiceUnavailable, Unauthorized
from app.monitoring import metrics
from search import probe as search_probe

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def scrape(request: Request, settings: SettingsDep, database: DatabaseDep) -> Response:
    """Prometheus exposition text; 404 unless CUSTODIA_METRICS_TOKEN is set, 401 without it."""
    if settings.metrics_token is None:
        raise NotFound("Not found")
    expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
    given = request.headers.get("authorization", "").encode("latin-1", "replace")
    if not hmac.compare_digest(given, expected):
        raise Unauthorized("The metrics token is missing or wrong")
    return Response(metrics.render(database, ZoneInfo(settings.time_zone)), media_type=metrics.CONTENT_TYPE)


class Live(BaseModel):
    status: Literal["live"]


class Ready(BaseModel):
    status: Literal["ready"]
    database: str
    search: str


@router.get("/api/v1/live", response_model=Live, openapi_extra=PUBLIC)
def live() -> Live:
    """The process answers; nothing else is checked (restart it when this fails)."""
    return Live(status="live")


@router.get("/api/v1/ready", response_model=Ready, openapi_extra=PUBLIC,
            responses={503: {"description": "A dependency is not ready; the detail says which"}})
def ready(settings: SettingsDep, database: DatabaseDep) -> Ready:
    """Whether this process can serve: its database answers and is migrated to the newest
    revision, and its search engine answers (send it no traffic while this is 503)."""
    try:
        with database.engine.connect() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as exc:  # any failure means not ready; the type says which
        raise ServiceUnavailable(f"The database does not answer ({type(exc).__name__})") from exc
    head = migrations.head_revision()
    if current != head:
        raise ServiceUnavailable(f"The database is at migration {current}, not {head}: "
                                 "run `custodia migrate`")
    try:
        engine = search_probe.probe(settings.elasticsearch_url, settings.service_timeout_seconds)
    except search_probe.SearchUnavailable as exc:
        raise ServiceUnavailable(str(exc)) from exc
    return Ready(status="ready", database=database.backend, search=engine)

