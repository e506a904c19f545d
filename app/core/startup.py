"""Refuse to start on bad configuration, with one line that says what to fix."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.core.db import Database
from app.core.secrets import credentials_key, signing_key
from app.core.settings import ConfigurationError, Settings
from search import probe as search_probe


def check_database_url(settings: Settings) -> None:
    try:
        make_url(settings.resolved_database_url)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"CUSTODIA_DATABASE_URL is not a database URL ({exc}); "
            "use e.g. postgresql+psycopg://user:password@host:5432/custodia "
            "or leave it unset for SQLite under CUSTODIA_DATA_DIR"
        ) from None


def check_secret(settings: Settings) -> None:
    """Safe keys are set, or outside production they are kept in the data directory: the
    signing key, and the credentials key that encrypts stored mail-server passwords."""
    signing_key(settings)
    credentials_key(settings)


def check_services(settings: Settings, database: Database) -> None:
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(exc.orig if hasattr(exc, "orig") and exc.orig else exc).splitlines()[0]
        raise ConfigurationError(
            f"cannot connect to the database ({reason}); check CUSTODIA_DATABASE_URL"
        ) from None
    try:
        search_probe.probe(settings.elasticsearch_url, settings.service_timeout_seconds)
    except search_probe.SearchUnavailable as exc:
        raise ConfigurationError(
            f"{exc}; check CUSTODIA_ELASTICSEARCH_URL, or leave it unset for the embedded engine"
        ) from None


def check_configuration(settings: Settings) -> None:
    """What must hold before the service or a worker starts."""
    check_database_url(settings)
    check_secret(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.resolved_database_url)
    try:
        check_services(settings, database)
    finally:
        database.dispose()
