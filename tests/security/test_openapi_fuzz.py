"""Schemathesis against the committed OpenAPI document, as each role and as nobody.

Every operation, in-process against the ASGI app, in a seeded city of the caller's
own, so that reads hit real rows and one role's deletes cannot spoil another's run:
on SQLite (the embedded deployment) as every role, and on PostgreSQL as an
administrator, who may call everything. No answer is a 500, and every error is
RFC 9457 problem+json. Status codes the document does not declare are accepted for
errors (a 404, a 409 are not in it), so the status-code check is off; the
response-schema and content-type checks apply to successful answers, whose shapes
the document gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case, CheckContext, Response
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from app.openapi import COMMITTED
from tests.conftest import new_postgres_database
from tests.security.conftest import City, Headers, seeded_city

SIGNED_IN = ["clerk", "attorney", "auditor", "admin"]
PROBLEM_MEMBERS = {"type", "title", "status", "detail"}
# Valid input may still break a rule of the records (no such root, a name taken): a 4xx.
CHECKS_OFF = ["status_code_conformance", "content_type_conformance",
              "response_schema_conformance", "positive_data_acceptance"]


def fuzzer(coverage: bool) -> BaseSchema:
    """The committed document, seeded and bounded: explicit examples, boundary values
    (`coverage`) and six valid and invalid examples per operation."""
    return schemathesis.openapi.from_path(COMMITTED, config=schemathesis.Config.from_dict({
        "seed": 9457,
        "generation": {"deterministic": True, "max-examples": 6, "mode": "all"},
        "phases": {"coverage": {"enabled": coverage}, "stateful": {"enabled": False}},
        "checks": {name: {"enabled": False} for name in CHECKS_OFF},
    }))


def now_and_then(real_ids: dict[str, list[str]]) -> Callable[[Any, Any], Any]:
    """A hook that makes path parameters now and then a real row's id (read when a case is
    drawn, since the city is seeded after the schema is loaded)."""

    def before_generate_path_parameters(context: Any, strategy: Any) -> Any:
        names = [p.name for p in context.operation.path_parameters if p.name in real_ids]
        if not names:
            return strategy

        def real(pick: int) -> dict[str, str]:
            return {name: real_ids[name][pick % len(real_ids[name])] for name in names}

        def merged(drawn: tuple[Any, int]) -> Any:
            # A real id replaces its own parameter only: a path may have others ({tag}).
            value, pick = drawn

            def merge(params: Any) -> Any:
                return {**params, **real(pick)} if isinstance(params, dict) else real(pick)

            return value.map_value(merge) if hasattr(value, "map_value") else merge(value)

        return st.one_of(strategy, st.tuples(strategy, st.integers(min_value=0, max_value=99))
                         .map(merged))

    return before_generate_path_parameters


SQLITE, POSTGRES = fuzzer(coverage=True), fuzzer(coverage=False)
SQLITE_IDS: dict[str, list[str]] = {}
POSTGRES_IDS: dict[str, list[str]] = {}
SQLITE.hook(now_and_then(SQLITE_IDS))
POSTGRES.hook(now_and_then(POSTGRES_IDS))


@dataclass(frozen=True)
class Caller:
    role: str
    app: FastAPI
    headers: Headers


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    """Seeded once; each caller gets a copy, with the same ids."""
    seeded = seeded_city(tmp_path_factory.mktemp("city"))
    SQLITE_IDS.update(seeded.ids)
    return seeded


@pytest.fixture(scope="module", params=[*SIGNED_IN, "anonymous"])
def caller(request: pytest.FixtureRequest, city: City, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Caller]:
    """Who calls, in a copy of the city of their own."""
    mine = city.copy(tmp_path_factory.mktemp(request.param))
    yield Caller(request.param, mine.app(), city.people.get(request.param, {}))
    shutdown_lifespans()  # schemathesis started the app for its own client


@pytest.fixture(scope="module")
def postgres_admin(postgres_url: str, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[Caller]:
    with new_postgres_database(postgres_url) as url:
        seeded = seeded_city(tmp_path_factory.mktemp("postgres"), url)
        POSTGRES_IDS.update(seeded.ids)
        yield Caller("admin", seeded.app(), seeded.people["admin"])
        shutdown_lifespans()


def problem_json(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """An error answers RFC 9457 application/problem+json with its members."""
    if response.status_code < 400:
        return None
    media = response.headers.get("content-type", [""])[0]
    assert media == "application/problem+json", f"a {response.status_code} answered {media!r}"
    body = response.json()
    assert set(body) >= PROBLEM_MEMBERS, f"a problem without {PROBLEM_MEMBERS - set(body)}"
    assert body["status"] == response.status_code
    return True


def success_conforms(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A successful answer has the content type and the shape the document gives it."""
    if response.status_code >= 400:
        return None
    content_type_conformance(ctx, response, case)
    response_schema_conformance(ctx, response, case)
    return True


def call(case: Case, caller: Caller) -> None:
    case.call_and_validate(app=caller.app, headers=caller.headers,
                           additional_checks=[problem_json, success_conforms])


def may_call(role: str, case: Case) -> bool:
    """Whether the operation lets the role in (public ones let everybody in)."""
    security = case.operation.definition.raw.get("security", [])
    roles = {scope for requirement in security for scopes in requirement.values() for scope in scopes}
    return not roles or role in roles


QUICK = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)


@SQLITE.parametrize()
@QUICK
def test_every_operation(case: Case, caller: Caller) -> None:
    if caller.role in SIGNED_IN and not may_call(caller.role, case):
        # Refused at the role check, as anonymous callers are at the token check (fuzzed
        # here); that each refusal is a 403 problem is tests/auth/test_route_roles.py's.
        pytest.skip("the role may not call this operation")
    call(case, caller)


@POSTGRES.parametrize()
@QUICK
def test_every_operation_on_postgresql(case: Case, postgres_admin: Caller) -> None:
    call(case, postgres_admin)
