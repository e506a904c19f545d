"""Every route declares who may call it, and the declaration is enforced."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.settings import Settings
from app.main import create_app
from app.models import Role, User
from tests.conftest import MakeUser

PUBLIC_MARK = "x-custodia-access"


def operations() -> Iterator[tuple[str, str, dict]]:
    schema = create_app(Settings(env="test")).openapi()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def declared_roles(operation: dict) -> set[str]:
    return {scope for requirement in operation.get("security", [])
            for scopes in requirement.values() for scope in scopes}


def concrete(path: str) -> str:
    return re.sub(r"\{\w+_id\}", "00000000-0000-0000-0000-000000000000", path)


def test_every_route_declares_its_roles_or_is_marked_public() -> None:
    undeclared = [f"{m.upper()} {p}" for m, p, op in operations()
                  if not declared_roles(op) and op.get(PUBLIC_MARK) != "public"]
    assert list(operations()), "the app exposes no operations at all"
    assert undeclared == []


def test_declared_roles_are_real_roles() -> None:
    known = {role.value for role in Role}
    for method, path, operation in operations():
        assert declared_roles(operation) <= known, f"{method} {path}"


def test_protected_routes_refuse_anonymous_callers(client: TestClient) -> None:
    protected = [(m, p) for m, p, op in operations() if declared_roles(op)]
    assert protected
    for method, path in protected:
        response = client.request(method, concrete(path))
        assert response.status_code == 401, f"{method} {path}"
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"


def test_protected_routes_refuse_users_without_a_declared_role(
    client: TestClient, make_user: MakeUser, sign_in: Callable[[User], dict[str, str]]
) -> None:
    headers = {role: sign_in(make_user(role)) for role in Role}
    checked = 0
    for method, path, operation in operations():
        allowed = declared_roles(operation)
        if not allowed:
            continue
        for role in set(Role) - {Role(r) for r in allowed}:
            response = client.request(method, concrete(path), headers=headers[role])
            assert response.status_code == 403, f"{role} {method} {path}"
            assert response.headers["content-type"] == "application/problem+json"
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("path", ["/api/v1/health"])
def test_public_routes_need_no_token(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200
