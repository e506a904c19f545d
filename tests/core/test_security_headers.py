"""Every response carries the security headers; the docs pages get a policy they can load under."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from app.core.db import Database
from app.core.middleware import API_POLICY, DOCS_POLICY
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import TEST_SECRET

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
    500: ("GET", "/boom", {}),
}


def with_test_routes(app: FastAPI) -> FastAPI:
    def boom() -> None:
        raise RuntimeError("an unexpected failure")

    def cached() -> Response:
        return Response("public", headers={"Cache-Control": "max-age=60"})

    app.add_api_route("/boom", boom)
    app.add_api_route("/cached", cached)
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
    response = raw_client.get("/cached")
    assert response.headers["cache-control"] == "max-age=60"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_production_adds_strict_transport_security(tmp_path: Path) -> None:
    settings = Settings(env="production", data_dir=tmp_path, secret_key=TEST_SECRET,
                        database_url=f"sqlite:///{tmp_path / 'custodia.db'}", in_process_worker=False)
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert response.headers["content-security-policy"] == API_POLICY


class Assets(HTMLParser):
    """What a page loads: script and stylesheet addresses, and whether it has inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            if found.get("src"):
                self.scripts.append(found["src"] or "")
            else:
                self.inline_scripts += 1
        if tag == "link" and found.get("rel") == "stylesheet":
            self.styles.append(found.get("href") or "")


def origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else None  # None: this app


def allows(sources: list[str], url: str) -> bool:
    where = origin(url)
    return "'self'" in sources if where is None else where in sources


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_get_a_policy_they_load_under(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == DOCS_POLICY
    directives = policy(DOCS_POLICY)
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for kind in ("script-src", "style-src", "img-src", "connect-src"):
        assert "'self'" in directives[kind], kind
    assets = Assets()
    assets.feed(response.text)
    if assets.inline_scripts:
        assert "'unsafe-inline'" in directives["script-src"]
    for script in assets.scripts:
        assert allows(directives["script-src"], script), script
    for sheet in assets.styles:
        # ReDoc's Google Fonts are refused on purpose: a reader's address is not sent to
        # Google, and the page falls back to the browser's fonts.
        assert allows(directives["style-src"], sheet) != sheet.startswith(
            "https://fonts.googleapis.com/"), sheet


def test_the_docs_policy_allows_no_script_origin_the_pages_do_not_use(client: TestClient) -> None:
    """The docs' assets are served by the app: no other origin is in their policy."""
    used = set()
    for page in ("/docs", "/redoc"):
        assets = Assets()
        assets.feed(client.get(page).text)
        used |= {origin(url) for url in assets.scripts + assets.styles} - {None}
    used.discard("https://fonts.googleapis.com")
    allowed = {s for s in policy(DOCS_POLICY)["script-src"] + policy(DOCS_POLICY)["style-src"]
               if "://" in s}
    assert allowed == used == set()
