"""An attorney's legal hold, end to end in a real browser: the custodian is added to the
directory, the hold drafted and issued, the notice mailed through the real SMTP server,
the custodian acknowledges from the mailed link (no account), and the attorney sees it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import select

from app import tasks
from app.core.db import Database
from app.core.jobs import Services
from app.core.settings import Settings
from app.core.worker import work
from app.models import OutboxMessage, Role, User
from tests.conftest import LOOPBACK, MakeUser
from tests.services.test_smtp import find_in_outbox, remove_from_outbox
from tests.ui.conftest import EMBEDDED, WATCH_VIOLATIONS, accessible, mailing_through, screenshot, trail

pytestmark = EMBEDDED
LINK = re.compile(r"https?://\S+?(/portal/acknowledgements/[A-Za-z0-9_-]+)")


@pytest.fixture
def settings(settings: Settings, smtp_url: str) -> Settings:
    """The app mails through the shared test SMTP server (the live server uses these)."""
    return mailing_through(settings, smtp_url, "holds@city.example.org")


def fresh_page(browser: Browser) -> Page:
    """A browser of its own (no cookies: the custodian has no account), loopback only."""
    context = browser.new_context()

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK:
            route.continue_()
        else:
            route.abort("internetdisconnected")

    context.route("**/*", loopback_only)
    page = context.new_page()
    page.add_init_script(WATCH_VIOLATIONS)
    return page


def mailed_link(settings: Settings, database: Database, smtp_outbox: Path, hold_id: str,
                address: str) -> str:
    """The worker sends the queued notice; the link in the mail the SMTP server received."""
    tasks.load()
    assert work(Services.open(settings, database), "ui-holds") >= 1
    with database.reading() as session:
        sent = session.scalars(select(OutboxMessage).where(
            OutboxMessage.about_id == hold_id)).one()
        assert sent.status == "sent", sent.last_error
        message_id = sent.message_id
    data, envelope = find_in_outbox(smtp_outbox, message_id)
    try:
        assert envelope["rcpt_tos"] == [address]
        received = message_from_bytes(data, policy=policy.default)
        assert isinstance(received, EmailMessage)
        body = received.get_body(("plain",))
        assert body is not None
        found = LINK.search(body.get_content())
        assert found, body.get_content()
        return found.group(1)
    finally:
        remove_from_outbox(smtp_outbox, envelope)


def test_attorney_issues_a_hold_and_sees_it_acknowledged(
        page: Page, browser: Browser, live_server: str, settings: Settings, database: Database,
        make_user: MakeUser, sign_in: Callable[[User], Page], smtp_outbox: Path,
        foreign_requests: list[str]) -> None:
    attorney = make_user(Role.attorney)
    address = f"dana-{uuid.uuid4().hex[:8]}@springvale-co.example"
    sign_in(attorney)
    accessible(page)

    # The custodian goes in the directory first.
    page.goto(f"{live_server}/people")
    accessible(page)
    page.get_by_role("link", name="Add a person").click()
    accessible(page)
    page.get_by_label("Name", exact=True).fill("Dana Reyes")
    page.get_by_label("Department").fill("Parks")
    page.get_by_label("E-mail addresses, one a line").fill(address)
    page.get_by_label("Custodian names").fill("dreyes")
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_role("heading", name="Dana Reyes")).to_be_visible()
    expect(page.get_by_text("Dana Reyes is in the directory.")).to_be_visible()
    accessible(page)
    page.goto(f"{live_server}/people/import")
    accessible(page)

    # The hold: drafted, then issued.
    page.get_by_role("link", name="Holds").click()
    accessible(page)
    page.get_by_role("link", name="New hold").click()
    accessible(page)
    page.get_by_label("Matter name", exact=True).fill("Reyes v. Springvale")
    page.get_by_label("Matter number").fill("2026CV0042")
    page.get_by_label(f"Dana Reyes, Parks, {address}").check()
    page.get_by_role("button", name="Draft the hold").click()
    expect(page.get_by_role("heading", name="Hold: Reyes v. Springvale")).to_be_visible()
    accessible(page)
    hold_id = page.url.rsplit("/", 1)[1]
    page.get_by_role("button", name="Issue the hold and notify its custodians").click()
    expect(page.get_by_text("The hold is issued")).to_be_visible()
    custodians = page.locator("#custodians")
    expect(custodians.get_by_text("waiting since")).to_be_visible()
    accessible(page)
    # Her dashboard says who is still to acknowledge.
    page.get_by_role("link", name="Dashboard").click()
    awaiting = page.get_by_role("region", name="Holds awaiting acknowledgement")
    expect(awaiting).to_contain_text("Reyes v. Springvale: 0 of 1 custodians acknowledged")
    accessible(page)

    # The custodian opens the mailed link in a browser of their own and acknowledges.
    path = mailed_link(settings, database, smtp_outbox, hold_id, address)
    custodian = fresh_page(browser)
    custodian.goto(f"{live_server}{path}")
    expect(custodian.get_by_role("heading", name="Legal hold notice: Reyes v. Springvale")
           ).to_be_visible()
    accessible(custodian)
    custodian.get_by_label("Text or chat messages").fill("Signal, on my own phone")
    custodian.get_by_role("button", name="I have read this notice").click()
    expect(custodian.get_by_text("You acknowledged this notice on")).to_be_visible()
    accessible(custodian)
    custodian.context.close()

    # The attorney's dashboard has nothing waiting now; the hold's page: acknowledged.
    page.reload()
    expect(awaiting).to_contain_text("Every custodian of every issued hold has acknowledged")
    page.goto(f"{live_server}/holds/{hold_id}")
    expect(custodians.get_by_text("acknowledged")).to_be_visible()
    expect(page.get_by_text("Signal, on my own phone")).to_be_visible()
    expect(page.get_by_text("1 of 1 custodians asked")).to_be_visible()
    accessible(page)
    screenshot(page, "attorney-hold-acknowledged")

    entries = [e for e in trail(database) if e.object_type in {"hold", "person"}]
    assert [e.action for e in entries] == [
        "person.create", "hold.create", "hold.issue", "hold.notices_send", "hold.notice_view",
        "hold.acknowledge"]
    assert {e.actor for e in entries[:4]} == {attorney.username}
    assert entries[-1].actor.startswith("custodian ")
    assert entries[-1].details["answered"] == ["text_messages"]
    assert foreign_requests == []
