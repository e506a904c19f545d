"""Productions in a real browser, after the reviewer's redactions: drafted from the review
set, built (the worker runs the job), verified, finalized, the zip downloaded (a manifest and
stamped PDFs) and the logs read; then what the audit trail says. Over plain HTTP: an
auditor sees no buttons and is refused a build, with nothing changed."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from app.core.db import Database
from app.core.jobs import Services, claim, run
from app.core.settings import Settings
from app.models import JobState, Role, User
from app.productions.tasks import KIND
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, accessible, screenshot, signed_in, trail
from tests.ui.test_redaction_pages import SSN, file_review_set, review_in_browser

pytestmark = EMBEDDED


def run_builds(settings: Settings, database: Database) -> None:
    """The queued builds run, as the worker runs them."""
    services = Services.open(settings, database)
    while (job := claim(database, "ui-test", timedelta(minutes=5), {KIND})) is not None:
        assert run(services, job) == JobState.done


def test_a_clerk_produces_the_reviewed_set_and_reads_its_logs(
        page: Page, live_server: str, sign_in: Callable[[User], Page], make_user: MakeUser,
        database: Database, settings: Settings, api: TestClient,
        login: Callable[[User], dict[str, str]]) -> None:
    clerk = make_user(Role.clerk)
    filed = file_review_set(database, api, login, clerk)
    before = trail(database)[-1].seq
    sign_in(clerk)
    review_in_browser(page, live_server, database, filed)

    page.goto(f"{live_server}/requests/{filed.request_id}")
    page.get_by_role("link", name="Productions").click()
    accessible(page)
    page.get_by_label("Bates prefix").fill("CITY")
    page.get_by_role("button", name="Draft the production").click()
    expect(page.get_by_text("The production is drafted")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Build", exact=True).click()
    expect(page.get_by_text("The build is queued")).to_be_visible()
    run_builds(settings, database)
    page.reload()
    expect(page.get_by_text("Passed")).to_be_visible()
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Verified: no redacted text was found")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Finalize: take the Bates numbers").click()
    expect(page.get_by_text(re.compile(r"Finalized: Bates numbers CITY000001–CITY\d{6}"))
           ).to_be_visible()
    expect(page.locator("#documents")).to_contain_text("CITY000001")
    expect(page.get_by_role("button", name="Release to the requester")).to_be_visible()
    accessible(page)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the package (zip)").click()
    package = zipfile.ZipFile(io.BytesIO(downloading.value.path().read_bytes()))
    names = package.namelist()
    assert "manifest.json" in names
    pdf = next(n for n in names if n.endswith(".pdf") and "IMAGES" in n)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(package.read(pdf))).pages)
    assert "CITY000001" in text and SSN not in text

    page.get_by_role("link", name="The redaction and withheld logs").click()
    expect(page.get_by_role("heading", name="Redaction log")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("Name of a private citizen")
    accessible(page)
    screenshot(page, "production-logs")

    done = [e.action for e in trail(database, after=before)
            if e.action.startswith(("redaction.", "production.", "bates_series."))]
    for action in ("redaction.suggest", "redaction.accept", "redaction.reject", "redaction.add",
                   "redaction.every_instance", "bates_series.create", "production.create",
                   "production.build_queued", "production.verify", "production.finalize",
                   "production.download"):
        assert action in done, (action, done)


def test_an_auditor_sees_no_buttons_and_may_not_build(
        api: TestClient, database: Database, make_user: MakeUser,
        login: Callable[[User], dict[str, str]]) -> None:
    clerk = make_user(Role.clerk)
    filed = file_review_set(database, api, login, clerk)
    token = signed_in(api, clerk)
    made = api.post(f"/requests/{filed.request_id}/productions", follow_redirects=False,
                    data={"csrf_token": token, "name": "First", "prefix": "CITY",
                          "endorsement": ""})
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    token = signed_in(api, make_user(Role.auditor))
    shown = api.get(path)
    assert shown.status_code == 200 and "draft" in shown.text
    assert "<button" not in shown.text.split("</header>")[1]
    entries = len(trail(database))
    refused = api.post(f"{path}/build", data={"csrf_token": token})
    assert refused.status_code == 403
    assert len(trail(database)) == entries
    assert "draft" in api.get(path).text
