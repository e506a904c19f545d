"""Request-scoped dependencies: settings, the database session, the request's origin.

Those that only read app.state are `async def`: FastAPI calls a plain `def`
dependency in its thread pool, a hand-off that costs more than the lookup.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from cryptography.fernet import Fernet
from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import SecretStr
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.errors import BadRequest
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


class UnknownQueryParameter(BadRequest):
    code = "unknown_query_parameter"


def _query_names_of(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names_of(sub)
    return names


def _query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters a route takes, worked out once and kept on the route."""
    names: frozenset[str] | None = getattr(route, "_custodia_query_names", None)
    if names is None:
        names = frozenset(_query_names_of(route.dependant))
        route._custodia_query_names = names  # type: ignore[attr-defined]
    return names


async def only_known_query_parameters(request: Request) -> None:
    """Refuse a query parameter the operation does not take: a mistyped filter
    (`?stauts=closed`) must not silently answer as if there were no filter."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _query_names(route)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise UnknownQueryParameter(f"Unknown query parameter: {', '.join(unknown)[:200]}. "
                                    f"This operation takes: {takes}.")


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
