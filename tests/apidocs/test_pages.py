"""/docs and /redoc work on a city network without internet: they load nothing
from any host but the app's own, and render the API in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

# An absolute or protocol-relative URL: a host other than the page's own.
OTHER_HOST = re.compile(r"""(?:https?:)?//[^\s"'<>]+""")
ASSET = re.compile(r"""(?:src|href)="([^"]+)\"""")
RENDERED_WITHIN_MS = 30_000


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The pages read no records: SQLite alone is enough."""
    return f"sqlite:///{tmp_path / 'custodia.db'}"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_page_names_no_other_host_and_the_app_serves_its_files(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert OTHER_HOST.findall(page.text) == []
    assets = ASSET.findall(page.text)
    assert len(assets) >= 3, assets  # stylesheet, icon, script
    for asset in assets:
        assert client.get(urljoin(f"http://testserver{path}", asset)).status_code == 200, asset


def test_swagger_ui_never_sends_the_document_to_the_online_validator(client: TestClient) -> None:
    assert "validatorUrl: null" in client.get("/static/apidocs/swagger-ui-init.js").text


def open_page(page: Page, url: str) -> list[str]:
    """Open `url`; the list returned fills with the page's script errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return errors


def test_swagger_ui_renders_the_operations_with_the_network_cut(
    page: Page, live_server: str, foreign_requests: list[str]
) -> None:
    # Swagger UI draws only the operations in view once there are many (a virtual list): the
    # deep link scrolls to the search operation and opens it.
    script_errors = open_page(page, f"{live_server}/docs#/search/run_search_api_v1_search_post")
    title = page.locator(".information-container .title")
    expect(title).to_contain_text("Custodia", timeout=RENDERED_WITHIN_MS)
    path = page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/v1/search$"))
    expect(page.locator(".opblock-post", has=path)).to_be_visible(timeout=RENDERED_WITHIN_MS)
    page.wait_for_load_state("networkidle")
    assert foreign_requests == []
    assert script_errors == []


def test_redoc_renders_the_operations_with_the_network_cut(
    page: Page, live_server: str, foreign_requests: list[str]
) -> None:
    script_errors = open_page(page, f"{live_server}/redoc")
    expect(page.locator("h1")).to_contain_text("Custodia", timeout=RENDERED_WITHIN_MS)
    search = page.locator('[data-section-id="operation/run_search_api_v1_search_post"]')
    expect(search.locator("h2")).to_have_text("Run Search")
    expect(search.get_by_text("/api/v1/search", exact=True)).to_be_attached()
    page.wait_for_load_state("networkidle")
    assert foreign_requests == []
    assert script_errors == []
