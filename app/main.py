"""The FastAPI application, built from settings (no global state)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from app.apidocs.routes import router as apidocs_router
from app.audit.routes import router as audit_router
from app.auth.routes import router as auth_router
from app.core.clock import Clock
from app.core.db import Database
from app.core.deps import only_known_query_parameters
from app.core.engine import open_search_engine
from app.core.errors import install_error_handlers
from app.core.middleware import RequestIdMiddleware, SecurityHeadersMiddleware
from app.core.secrets import credentials_key, signing_key
from app.core.settings import Settings
from app.documents.routes import router as documents_router
from app.fees.routes import router as fees_router
from app.health.routes import router as health_router
from app.holds.routes import public as acknowledgements_router
from app.holds.routes import router as holds_router
from app.holds.routes import templates as hold_templates_router
from app.ingest.routes import router as ingest_router
from app.jobs.routes import router as jobs_router
from app.letters.routes import router as letters_router
from app.mail.routes import router as mail_router
from app.meetings.routes import router as meetings_router
from app.monitoring.metrics import RequestMetrics
from app.monitoring.routes import router as monitoring_router
from app.near_duplicates.routes import router as near_duplicates_router
from app.people.routes import router as people_router
from app.portal import logs as portal_logs
from app.portal.routes import router as portal_router
from app.productions.routes import router as productions_router
from app.redaction.routes import router as redaction_router
from app.requests.routes import router as requests_router
from app.retention.routes import router as retention_router
from app.review.routes import router as review_router
from app.search.routes import router as search_router
from app.ui import errors as page_errors
from app.ui.routes import router as ui_router

STATIC_DIR = Path(__file__).resolve().parent / "static"

DESCRIPTION = """
Custodia keeps a city's e-mail and voicemail ready for Colorado Open Records Act
requests and litigation holds. Every change is recorded in a tamper-evident audit trail.

Sign in with `POST /api/v1/auth/token` (people) or send a long-lived API token
(city systems) as `Authorization: Bearer ...`. Errors are RFC 9457 problem+json.
"""


class CustodiaAPI(FastAPI):
    """Our outermost layers wrap Starlette's last-resort error handler too, so that even
    an unexpected error's 500 carries its request id and the security headers."""

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        app = SecurityHeadersMiddleware(super().build_middleware_stack(),
                                        strict_transport=settings.env == "production")
        return RequestIdMiddleware(RequestMetrics(app))


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The app; `clock` is the system's unless a test freezes one (app.core.clock)."""
    settings = settings or Settings()
    portal_logs.install()  # requesters' tokens are in portal paths: no log line may show one

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.runs_in_process_worker:
            from app import tasks
            from ingest.background import BackgroundWorker
            from ingest.runtime import Runtime

            tasks.load()
            worker = BackgroundWorker(Runtime.open(settings, app.state.database))
            worker.start()
        yield
        if worker is not None:
            worker.stop()
        app.state.database.dispose()

    app = CustodiaAPI(
        title="Custodia",
        version="0.1.0",
        summary="Public-records e-discovery and legal holds for a city government",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Served by app.apidocs from files shipped with the app, not from a CDN.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(only_known_query_parameters)],
    )
    app.state.settings = settings
    # Resolved once, here: a bad key stops the app before it answers anyone.
    app.state.signing_key = signing_key(settings)
    app.state.credentials_key = credentials_key(settings)
    app.state.database = Database(settings.resolved_database_url, clock)
    app.state.engine = open_search_engine(settings)
    install_error_handlers(app)
    page_errors.install(app)
    for router in (health_router, monitoring_router, auth_router, audit_router, ingest_router,
                   documents_router, search_router, requests_router, review_router,
                   redaction_router, near_duplicates_router, fees_router,
                   letters_router, portal_router, holds_router, hold_templates_router,
                   acknowledgements_router, jobs_router, mail_router, people_router, meetings_router,
                   retention_router, productions_router, apidocs_router, ui_router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
