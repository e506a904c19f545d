"""Request-scoped dependencies: settings, the database session, the request's origin.

Those that only read app.state are `async def`: FastAPI calls a plain `def`
dependency in its thread pool, a hand-off that costs more than the lookup.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from cryptography.fernet import Fernet
from fastapi import Depends, Request
from pydantic import SecretStr
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.settings import Settings
from search.engines import SearchEngine


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_signing_key(request: Request) -> SecretStr:
    key: SecretStr = request.app.state.signing_key
    return key


async def get_credentials_key(request: Request) -> Fernet:
    key: Fernet = request.app.state.credentials_key
    return key


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_engine(request: Request) -> SearchEngine:
    engine: SearchEngine = request.app.state.engine
    return engine


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """A changing route's unit of work: committed when the route returns, rolled back if it
    raises. The change and its audit entry land together or not at all."""
    with database.transaction() as session:
        yield session


def get_read_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """A reading route's transaction: no write lock while it works, so reads run side by
    side; its audit entry is appended in one short write when it returns."""
    with database.reading() as session:
        yield session


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "none"))


SettingsDep = Annotated[Settings, Depends(get_settings)]
SigningKeyDep = Annotated[SecretStr, Depends(get_signing_key)]
CredentialsKeyDep = Annotated[Fernet, Depends(get_credentials_key)]
DatabaseDep = Annotated[Database, Depends(get_database)]
EngineDep = Annotated[SearchEngine, Depends(get_engine)]
# scope="function": commit before the response is sent, so a failed commit is an error response.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
