"""Every response carries the security headers; the docs pages get a policy they can load under."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from app.core.db import Database
from app.core.middleware import API_POLICY, DOCS_POLICY, PAGE_POLICY
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import TEST_CREDENTIALS_KEY, TEST_SECRET

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}
REQUESTS = {
    200: ("GET", "/api/v1/health", {}),
    401: ("GET", "/api/v1/auth/me", {}),
    404: ("GET", "/api/v1/no-such-thing", {}),
    405: ("DELETE", "/api/v1/health", {}),
    422: ("POST", "/api/v1/auth/token", {"data": {"username": "only"}}),
    500: ("GET", "/api/v1/boom", {}),
}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Headers do not depend on the database: SQLite alone is enough."""
    return f"sqlite:///{tmp_path / 'custodia.db'}"


def with_test_routes(app: FastAPI) -> FastAPI:
    def boom() -> None:
        raise RuntimeError("an unexpected failure")

    def cached() -> Response:
        return Response("public", headers={"Cache-Control": "max-age=60"})

    app.add_api_route("/api/v1/boom", boom)
    app.add_api_route("/api/v1/cached", cached)
    return app


@pytest.fixture
def raw_client(settings: Settings, database: Database) -> Iterator[TestClient]:
    """The test app with two more routes, answering an unexpected error with 500, not raising."""
    with TestClient(with_test_routes(create_app(settings)), raise_server_exceptions=False) as raw:
        yield raw


def policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("status", sorted(REQUESTS))
def test_every_response_carries_the_security_headers(raw_client: TestClient, status: int) -> None:
    method, path, extra = REQUESTS[status]
    response = raw_client.request(method, path, **extra)
    assert response.status_code == status
    for name, value in EXPECTED.items():
        assert response.headers[name] == value, name
    assert response.headers["content-security-policy"] == API_POLICY
    assert "camera=()" in response.headers["permissions-policy"]
    assert "strict-transport-security" not in response.headers  # not production
    assert response.headers["x-request-id"]


def test_a_response_that_sets_its_own_cache_policy_keeps_it(raw_client: TestClient) -> None:
    response = raw_client.get("/api/v1/cached")
    assert response.headers["cache-control"] == "max-age=60"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_production_adds_strict_transport_security(tmp_path: Path) -> None:
    settings = Settings(env="production", data_dir=tmp_path, secret_key=TEST_SECRET,
                        credentials_key=TEST_CREDENTIALS_KEY,
                        database_url=f"sqlite:///{tmp_path / 'custodia.db'}", in_process_worker=False)
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert response.headers["content-security-policy"] == API_POLICY


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_get_their_own_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == DOCS_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    directives = policy(DOCS_POLICY)
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]  # no inline script, no other host
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", ["/sign-in", "/portal", "/no-such-page"])
def test_pages_get_the_page_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["content-security-policy"] == PAGE_POLICY
    directives = policy(PAGE_POLICY)
    assert directives["script-src"] == directives["style-src"] == ["'self'"]  # nothing inline
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", ["/openapi.json", "/static/apidocs/swagger-ui-init.js"])
def test_what_the_docs_pages_load_gets_the_strict_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == API_POLICY


# Collects every Content-Security-Policy violation the page reports.
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
RENDERED = {"/docs": ".information-container .title", "/redoc": "h1"}


@pytest.mark.parametrize("path", sorted(RENDERED))
def test_the_docs_pages_render_under_their_policy_in_a_browser(
    page: Page, live_server: str, path: str
) -> None:
    page.add_init_script(WATCH_VIOLATIONS)
    response = page.goto(f"{live_server}{path}")
    assert response is not None
    assert response.headers["content-security-policy"] == DOCS_POLICY
    expect(page.locator(RENDERED[path])).to_contain_text("Custodia", timeout=30_000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.cspViolations") == []
