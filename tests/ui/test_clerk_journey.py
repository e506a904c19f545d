"""A clerk's day with one phoned-in request, in a real browser: intake, documents into the
review set by a search, tagged with the keyboard, the fee estimate, the invoice and its
payment, the closing letter (previewed, sent, received by the SMTP server), sign-out;
then what the audit trail says happened, in order."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import Database
from app.core.jobs import Services
from app.core.settings import Settings
from app.core.worker import work
from app.models import OutboxMessage, Role, User
from tests.conftest import MakeUser
from tests.requests.test_end_to_end import ingest_demo
from tests.services.test_smtp import find_in_outbox, remove_from_outbox
from tests.ui.conftest import EMBEDDED, accessible, actions, mailing_through, screenshot

pytestmark = EMBEDDED


@pytest.fixture
def settings(settings: Settings, smtp_url: str) -> Settings:
    """The app's settings, its mail going to the test SMTP server."""
    return mailing_through(settings, smtp_url, "records@city.example.org")


def add_by_search(page: Page, query: str, number: str, request_id: str) -> None:
    """Search from the search page and add the results to the request's review set, then
    come back to the case file."""
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for").fill(query)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("mark").first).to_be_visible()  # highlighted hits
    accessible(page)
    chooser = page.get_by_label("Request", exact=True)
    expect(chooser.locator(f"option[value='{request_id}']")).to_contain_text(number)
    chooser.select_option(value=request_id)
    page.get_by_role("button", name="Add results to review set").click()
    expect(page.get_by_text(re.compile(rf"Request {number}: [1-9]\d* hits"))).to_be_visible()
    accessible(page)
    page.goto(page.url.split("/search")[0] + f"/requests/{request_id}")


def in_order(seen: Sequence[str], wanted: Sequence[str]) -> bool:
    """Whether `wanted` occurs in `seen` in this order (other entries between)."""
    rest = iter(seen)
    return all(action in rest for action in wanted)


def test_a_clerk_takes_a_phoned_in_request_to_its_closing_letter(
        page: Page, live_server: str, sign_in: Callable[[User], Page], make_user: MakeUser,
        settings: Settings, database: Database, actor: Actor, tmp_path: Path,
        smtp_outbox: Path, foreign_requests: list[str]) -> None:
    ingest_demo(settings, database, tmp_path / "demo", actor)
    clerk = make_user(Role.clerk)
    sign_in(clerk)
    accessible(page)

    page.get_by_role("link", name="Requests").first.click()
    expect(page.get_by_role("heading", name="Records requests")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Take in a request").click()
    expect(page.get_by_role("heading", name="Take in a request")).to_be_visible()
    accessible(page)
    page.get_by_label("Requester's name").fill("Robin Reporter")
    page.get_by_label("E-mail").fill("robin@example.org")
    page.get_by_label("Organization").fill("Valley Ledger")
    page.get_by_label("Category").select_option("news_media")
    expect(page.get_by_label("Received by")).to_have_value("phone")
    page.get_by_label("Records asked for").fill("E-mail about budget amendments, 2026")
    page.get_by_label("Departments").fill("Finance")
    page.get_by_role("button", name="Take in the request").click()
    expect(page.get_by_text(re.compile(r"Request \d{4}-\d{4} is taken in"))).to_be_visible()
    number = page.get_by_role("heading", level=1).inner_text().split()[1]
    request_id = page.url.rsplit("/", 1)[1]
    accessible(page)

    add_by_search(page, "budget", number, request_id)
    accessible(page)
    boxes = page.locator("#review-form input[name=document_ids]")
    total = boxes.count()
    assert total > 0
    # The estimate follows the set without a reload (htmx, out of band).
    expect(page.locator("#live-estimate")).to_contain_text(f"Estimate: {total} documents")
    for index in range(total):
        boxes.nth(index).check()
    page.get_by_role("heading", name="Review set", exact=True).click()  # out of the checkbox: keys work
    page.keyboard.press("r")
    expect(page.get_by_text(f"Tagged {total} responsive")).to_be_visible()
    expect(page.locator("#review-progress")).to_contain_text("responsive: " + str(total))
    accessible(page)

    expect(page.get_by_role("heading", name=re.compile(r"Estimate as the review set stands: "
                                                       r"\$\d"))).to_be_visible()
    page.get_by_label("Minutes").fill("90")
    page.get_by_role("button", name="Log the time").click()
    expect(page.get_by_text("Logged 90 minutes")).to_be_visible()
    page.get_by_role("button", name="Issue the invoice").click()
    expect(page.get_by_text(re.compile(r"Invoice 1 issued: \$20\.68"))).to_be_visible()
    page.get_by_label("Amount ($)").fill("20.68")
    page.get_by_label("Method").select_option("check")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("Recorded a payment of $20.68 (check).")).to_be_visible()
    expect(page.get_by_role("heading", name="Balance: $0.00 due")).to_be_visible()
    accessible(page)

    page.get_by_label("Kind of letter").select_option("closing")
    page.get_by_role("button", name="Preview the letter").click()
    expect(page.get_by_role("heading", name=re.compile("Preview: closing letter"))).to_be_visible()
    expect(page.locator("pre.text")).to_contain_text(number)
    accessible(page)
    page.get_by_role("button", name="Send the letter").click()
    expect(page.get_by_text("The closing letter is filed. Queued for robin@example.org.")
           ).to_be_visible()
    accessible(page)

    # The worker sends it to the real SMTP server.
    assert work(Services.open(settings, database), "journey") >= 1
    with database.reading() as session:
        sent = session.scalars(select(OutboxMessage).where(
            OutboxMessage.about_id == request_id)).one()
        assert sent.status == "sent", sent.last_error
        message_id = sent.message_id
    _, envelope = find_in_outbox(smtp_outbox, message_id)
    try:
        assert envelope["rcpt_tos"] == ["robin@example.org"]
    finally:
        remove_from_outbox(smtp_outbox, envelope)
    page.reload()
    expect(page.get_by_text("Sent to robin@example.org.")).to_be_visible()
    accessible(page)

    # A secret link for the requester: shown once, then revoked.
    page.get_by_role("button", name="Make a new link").click()
    expect(page.get_by_label("The requester's link")).to_have_value(re.compile(r"/portal/track/."))
    accessible(page)
    page.get_by_role("link", name="Back to the case file").click()
    page.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.get_by_text("The link is revoked")).to_be_visible()
    accessible(page)
    screenshot(page, "clerk-journey")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    accessible(page)

    seen = actions(database)
    assert in_order(seen, [
        "auth.login", "request.create", "search.run", "review_set.add", "review_tag.set",
        "fee.time_logged", "fee.invoice", "fee.payment", "fees.paid_in_full", "request.paid",
        "letter.create", "mail.send", "request_link.create", "request_link.revoke",
        "auth.logout"]), seen
    assert seen.count("review_tag.set") == 1 and seen.count("letter.create") == 1
    assert foreign_requests == []
