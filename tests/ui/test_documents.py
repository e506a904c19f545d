"""The document viewer: an e-mail and its attachment, a voicemail with its player and
transcript, the native file through the API's code and audit, and the holds and requests
a document is in (hold names only for those who may read holds)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.models import Document, DocumentKind, HeldDocument, Hold, HoldStatus, Role, User
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, accessible, actions, screenshot, signed_in
from tests.ui.test_search import demo, open_request  # noqa: F401 (fixture)

pytestmark = EMBEDDED


def first(database: Database, *conditions: object) -> Document:
    with database.reading() as session:
        found = session.scalars(select(Document).where(*conditions)  # type: ignore[arg-type]
                                .order_by(Document.id)).first()
        assert found is not None
        return found


def hold(database: Database, document: Document) -> None:
    """An active hold holding `document` (its membership as issuing would leave it)."""
    with database.transaction() as session:
        matter = Hold(matter_name="Springvale v. Roe", matter_number="CV-7", attorney="a",
                      status=HoldStatus.active, issued_at=datetime.now(UTC))
        session.add(matter)
        session.flush()
        session.add(HeldDocument(hold_id=matter.id, document_id=document.id,
                                 held_at=datetime.now(UTC)))


def test_a_reviewer_reads_an_email_its_attachment_and_a_voicemail(
        demo: None, page: Page, live_server: str, sign_in: Callable[[User], Page],  # noqa: F811
        make_user: MakeUser, database: Database) -> None:
    sign_in(make_user(Role.attorney))
    # Attachments are shown under their e-mail on the search page.
    page.goto(f"{live_server}/search?q=type%3Aattachment")
    inside = page.locator(".hits ul.inside li a").first
    expect(inside).to_be_visible()
    family = page.locator(".hits > li > a").first
    subject = family.inner_text()
    accessible(page)
    family.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(subject)
    expect(page.get_by_text("Custodians", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Download the original")).to_be_visible()
    accessible(page)
    tree = page.locator("ul.tree ul.tree a").first
    name = tree.inner_text()
    tree.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("link", name="Back to the message it came in")).to_be_visible()
    accessible(page)

    voicemail = first(database, Document.kind == DocumentKind.voicemail)
    page.goto(f"{live_server}/documents/{voicemail.id}")
    audio = page.locator("audio[controls]")
    expect(audio).to_have_count(1)
    assert re.fullmatch(r"/documents/[0-9a-f-]{36}/native", audio.get_attribute("src") or "")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    assert voicemail.voicemail and voicemail.voicemail["transcript"]
    expect(page.locator(".text")).to_contain_text(voicemail.voicemail["transcript"][:40])
    ready = page.evaluate("""async () => { const a = document.querySelector('audio');
        a.preload = 'auto'; a.load();
        await new Promise(r => { a.onloadedmetadata = r; a.onerror = r; });
        return a.error === null && a.duration > 0; }""")
    assert ready, "the player cannot load the recording"
    accessible(page)
    assert actions(database).count("document.view") >= 3
    assert "document.native_download" in actions(database)
    screenshot(page, "document-voicemail")


def test_native_file_is_the_apis_and_audited(
        demo: None, api: TestClient, make_user: MakeUser, database: Database) -> None:  # noqa: F811
    signed_in(api, make_user(Role.clerk))
    email = first(database, Document.kind == DocumentKind.email)
    answer = api.get(f"/documents/{email.id}/native")
    assert answer.status_code == 200
    assert hashlib.sha256(answer.content).hexdigest() == email.blob_sha256
    assert answer.headers["x-content-sha256"] == email.blob_sha256
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert actions(database)[-1] == "document.native_download"
    page = api.get(f"/documents/{email.id}")
    assert str(email.blob_sha256) in page.text
    assert actions(database)[-1] == "document.view"


def test_holds_are_named_only_to_those_who_read_holds(
        demo: None, api: TestClient, make_user: MakeUser, database: Database,  # noqa: F811
        actor: Actor, settings: Settings) -> None:
    email = first(database, Document.kind == DocumentKind.email)
    hold(database, email)
    request_id, number = open_request(database, actor, settings, requester="Pat Public")
    token = signed_in(api, make_user(Role.clerk))
    added = api.post("/search/review-set", data={
        "q": f'"{email.subject}"' if email.subject else "budget", "request_id": request_id,
        "csrf_token": token}, follow_redirects=False)
    assert added.status_code == 303
    clerk_view = api.get(f"/documents/{email.id}").text
    assert "Under legal hold" in clerk_view and "Springvale v. Roe" not in clerk_view
    assert f'request <a href="/requests/{request_id}">{number}</a> (Pat Public' in clerk_view
    api.cookies.clear()
    signed_in(api, make_user(Role.attorney))
    attorney_view = api.get(f"/documents/{email.id}").text
    assert "Springvale v. Roe (CV-7)" in attorney_view
    assert api.get(f"/documents/{uuid.uuid4()}").status_code == 404


def test_auditor_is_refused_documents_as_in_the_api(
        api: TestClient, make_user: MakeUser, database: Database) -> None:
    signed_in(api, make_user(Role.auditor))
    before = actions(database)
    for path in (f"/documents/{uuid.uuid4()}", f"/documents/{uuid.uuid4()}/native"):
        assert api.get(path).status_code == 403
    assert actions(database) == before
