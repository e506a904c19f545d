"""The API's own documentation: /docs (Swagger UI) and /redoc (ReDoc).

FastAPI's built-in pages load their scripts from a CDN and are blank on a city
network without internet. These pages load everything from this app (the
files under app/static, mounted at /static), carry no inline script, and use
relative URLs, so they also work behind a proxy that adds a path prefix.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from app.auth.deps import PUBLIC

PAGES = Path(__file__).resolve().parent
# Documentation, not API: left out of the OpenAPI document like FastAPI's own pages.
router = APIRouter(include_in_schema=False)


@router.get("/docs", openapi_extra=PUBLIC)
def swagger_ui() -> FileResponse:
    return FileResponse(PAGES / "swagger-ui.html")


@router.get("/redoc", openapi_extra=PUBLIC)
def redoc() -> FileResponse:
    return FileResponse(PAGES / "redoc.html")
