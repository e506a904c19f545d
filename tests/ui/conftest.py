"""Browser tests of the web UI and the portal: the app served on loopback, Debian's
Chromium driven by Playwright, axe-core on every page visited, a screenshot at the end.

Each test module says `pytestmark = EMBEDDED` (below) unless it wants both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from pydantic import SecretStr
from sqlalchemy import select

from app.core.db import Database
from app.core.settings import Settings
from app.models import AuditEntry, User
from tests.conftest import REPO, TEST_PASSWORD, _missing

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-output" / "screenshots"
# What axe-core may not find on any page: https://github.com/dequelabs/axe-core impact levels
REFUSED_IMPACTS = {"serious", "critical"}


# Each module runs its browser tests on the embedded backend (the services under the pages
# are tested on both in their own folders); a test may ask for ["postgresql"] the same way.
EMBEDDED = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


# Collects every Content-Security-Policy violation the page reports.
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def page(page: Page) -> Page:
    """The root fixture's page (loopback only), also watching for CSP violations."""
    page.add_init_script(WATCH_VIOLATIONS)
    return page


def accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now, and the
    page broke none of its Content-Security-Policy (no inline script or style)."""
    assert page.evaluate("window.cspViolations") == [], page.url
    if not AXE.exists():
        _missing(f"{AXE} is missing: run `npm ci --prefix tests/ui` (scripts/test.sh does)")
    page.evaluate(AXE.read_text())  # through the DevTools protocol: the page's CSP is kept
    found = page.evaluate("async () => (await axe.run(document)).violations")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
           for v in found if v["impact"] in REFUSED_IMPACTS]
    assert not bad, f"axe-core on {page.url}:\n" + "\n".join(bad)


def screenshot(page: Page, name: str) -> Path:
    """The page as the journey ends, in test-output/screenshots (not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def sign_in(page: Page, live_server: str) -> Callable[[User], Page]:
    """Sign a user in through the sign-in page; the page is left on the dashboard."""
    def signed_in(user: User, password: str = TEST_PASSWORD) -> Page:
        page.goto(f"{live_server}/sign-in")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        return page

    return signed_in


def trail(database: Database, *, after: int = 0) -> list[AuditEntry]:
    """The audit trail's entries in order (those after sequence number `after`)."""
    with database.reading() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > after)
                                    .order_by(AuditEntry.seq)))


def actions(database: Database) -> list[str]:
    return [entry.action for entry in trail(database)]


def as_json(page: Page) -> object:
    return json.loads(page.inner_text("body"))


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def page_token(client: TestClient, path: str) -> str:
    """The CSRF token of the forms on the page at `path` (this client's seed cookie)."""
    return csrf_of(client.get(path).text)


def signed_in(client: TestClient, user: User, password: str = TEST_PASSWORD) -> str:
    """Sign `user` in through the sign-in form: the client's cookies now hold the session;
    the CSRF token its forms carry comes back."""
    token = page_token(client, "/sign-in")
    answer = client.post("/sign-in", data={"username": user.username, "password": password,
                                           "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return token


def mailing_through(settings: Settings, smtp_url: str, sender: str) -> Settings:
    """`settings` with outbound mail through the shared test SMTP server, from `sender`."""
    from tests.services.test_smtp import SMTP_PASSWORD, SMTP_USER

    sink = urlsplit(smtp_url)
    return settings.model_copy(update={
        "smtp_host": sink.hostname, "smtp_port": sink.port, "smtp_starttls": False,
        "smtp_username": SMTP_USER, "smtp_password": SecretStr(SMTP_PASSWORD),
        "mail_from": sender})
