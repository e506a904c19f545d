"""Redaction review in a real browser: detection over the review set, a suggestion accepted
with the a key and another rejected with x, a selection redacted by hand (its offsets
counted past a CR LF, an emoji and marks), and "apply to all". Over plain HTTP: an auditor
reads the decisions without text or buttons and is refused a change; a form without its
CSRF token, or with offsets outside the text, changes nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.core.db import Database
from app.models import Redaction, RedactionStatus, Role, User
from tests.conftest import MakeUser
from tests.review.factories import Family, make_family
from tests.ui.conftest import EMBEDDED, accessible, screenshot, signed_in, trail
from tests.ui.test_requests import take_in

pytestmark = EMBEDDED
SSN = "524-71-3386"
PASSWORD = "hunter2"
NAME = "Dana Reyes"
# A CR LF and an emoji before the name: the browser must count them as Python does.
MEMO = (f"Employee SSN: {SSN}, please update payroll.\r\n"
        f"The wifi password: {PASSWORD}\r\n"
        f"\U0001F642 Call {NAME} about the budget.\n")
NOTE = f"Budget notes: {NAME} signed the reservoir budget."
SSN_CITATION = "24-72-204(3)(a)(IV)"
PRIVACY = "24-72-204(3)(a)(II)(A)"


@dataclass
class Filed:
    request_id: uuid.UUID
    family: Family

    @property
    def memo(self) -> uuid.UUID:
        return self.family.email

    @property
    def note(self) -> uuid.UUID:
        return self.family.attachments[0]


def file_review_set(database: Database, api: TestClient, login: Callable[[User], dict[str, str]],
                    clerk: User) -> Filed:
    """A request whose review set holds a memo with an SSN, a password and a name, and its
    attachment with the name again."""
    request_id = uuid.UUID(take_in(api, signed_in(api, clerk)))
    family = make_family(database, "Payroll update", MEMO, (("notes.txt", NOTE),))
    added = api.post(f"/api/v1/requests/{request_id}/review-set/documents",
                     headers=login(clerk), json={"document_ids": [str(family.email)]})
    assert added.status_code == 200, added.text
    return Filed(request_id, family)


def spans(database: Database) -> list[Redaction]:
    with database.reading() as session:
        return list(session.scalars(select(Redaction).order_by(Redaction.start)))


def select_words(page: Page, words: str) -> None:
    """Select `words` in the text panel, as a person dragging over them would."""
    page.evaluate("""(words) => {
      const root = document.getElementById("redaction-text");
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(words);
        if (at >= 0) {
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + words.length);
          document.getSelection().removeAllRanges();
          document.getSelection().addRange(range);
          return;
        }
      }
      throw new Error("not in the text: " + words);
    }""", words)


def review_in_browser(page: Page, live_server: str, database: Database, filed: Filed) -> None:
    """The reviewer's part of the journey, from the case file (signed in already)."""
    request_id = filed.request_id
    page.goto(f"{live_server}/requests/{request_id}")
    page.get_by_role("link", name="Redaction review").click()
    expect(page.get_by_role("heading", name="Redaction review")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Find suggestions in the review set").click()
    expect(page.get_by_text(re.compile(r"Read 2 documents .*: [1-9]\d* new suggestions"))
           ).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Payroll update").click()
    expect(page.get_by_role("heading", name="Redaction review: Payroll update")).to_be_visible()
    text = page.locator("#redaction-text")
    expect(text.locator("mark.span-suggested", has_text=SSN)).to_be_visible()
    expect(text.locator("mark.current")).to_have_text(SSN)
    accessible(page)

    # a accepts the current suggestion (its detector's reason and citation pre-filled) ...
    page.wait_for_load_state()
    page.keyboard.press("a")
    expect(page.get_by_text("Accepted: it is redacted.")).to_be_visible()
    expect(text.locator("mark.span-accepted")).to_have_text(SSN)
    # ... and the next undecided one is current: x rejects it.
    expect(text.locator("mark.current")).to_have_text(PASSWORD)
    page.wait_for_load_state()  # the page's deferred script listens for keys only once it ran
    page.keyboard.press("x")
    expect(page.get_by_text("Rejected: it stays readable.")).to_be_visible()
    expect(text.locator("mark.span-rejected")).to_have_text(PASSWORD)
    expect(page.locator("#spans")).to_contain_text("rejected")
    accessible(page)

    # A name no detector finds: selected and redacted by hand.
    select_words(page, NAME)
    by_hand = page.locator("#by-hand")
    start = MEMO.index(NAME)
    expect(by_hand.get_by_label("From character")).to_have_value(str(start))
    expect(by_hand.get_by_label("To character")).to_have_value(str(start + len(NAME)))
    by_hand.get_by_label("Reason").fill("Name of a private citizen")
    by_hand.get_by_label("Citation").select_option(PRIVACY)
    by_hand.get_by_role("button", name="Redact selection").click()
    expect(page.get_by_text(f"Characters {start}–{start + len(NAME)} are redacted.")
           ).to_be_visible()
    expect(text.locator("mark.span-accepted", has_text=NAME)).to_be_visible()
    accessible(page)
    screenshot(page, "redaction-review")

    # Apply to all: the name in the attachment too.
    every = page.locator("#every-instance")
    select_words(page, NAME)
    expect(every.get_by_label("Words to redact")).to_have_value(NAME)
    every.get_by_label("Reason").fill("Name of a private citizen")
    every.get_by_label("Citation").select_option(PRIVACY)
    every.get_by_role("button", name="Apply to all documents").click()
    expect(page.get_by_text(re.compile(r"Found 2 times in 2 documents: 1 redactions added"))
           ).to_be_visible()
    accessible(page)

    page.get_by_role("link", name="Redaction review", exact=True).click()
    expect(page.get_by_role("row", name=re.compile("notes.txt"))).to_contain_text("1")
    accessible(page)

    found = {(s.quote, s.status) for s in spans(database)}
    assert (SSN, RedactionStatus.accepted) in found
    assert (PASSWORD, RedactionStatus.rejected) in found
    assert [s.status for s in spans(database) if s.quote == NAME] == [RedactionStatus.accepted] * 2


def test_a_reviewer_decides_suggestions_with_the_keyboard_and_redacts_by_hand(
        page: Page, live_server: str, sign_in: Callable[[User], Page], make_user: MakeUser,
        database: Database, api: TestClient, login: Callable[[User], dict[str, str]]) -> None:
    clerk = make_user(Role.clerk)
    filed = file_review_set(database, api, login, clerk)
    before = trail(database)[-1].seq
    sign_in(clerk)
    review_in_browser(page, live_server, database, filed)
    done = [e.action for e in trail(database, after=before) if e.action.startswith("redaction.")]
    assert done == ["redaction.suggest", "redaction.accept", "redaction.reject", "redaction.add",
                    "redaction.every_instance"], done


# --- plain HTTP: roles, CSRF, bad input -------------------------------------------------


def suggestion(database: Database, document_id: uuid.UUID, text: str, quote: str) -> uuid.UUID:
    """A detector's suggestion on `quote`, stored as the detection stores one."""
    from app.redaction.service import text_key

    start = text.index(quote)
    with database.transaction() as session:
        row = Redaction(text_sha256=text_key(text), document_id=document_id, start=start,
                        end=start + len(quote), quote=quote, detector="ssn", confidence=0.9,
                        status=RedactionStatus.suggested, citation_code=SSN_CITATION)
        session.add(row)
        session.flush()
        return row.id


@pytest.fixture
def filed(database: Database, api: TestClient, login: Callable[[User], dict[str, str]],
          make_user: MakeUser) -> Filed:
    return file_review_set(database, api, login, make_user(Role.clerk))


def snapshot(database: Database) -> list[tuple[int, int, str, str]]:
    return [(s.start, s.end, s.status.value, s.reason) for s in spans(database)]


def changes(database: Database) -> int:
    """Audit entries of changes (the page that shows a refusal reads the text again:
    document.view)."""
    return sum(entry.action != "document.view" for entry in trail(database))


def test_an_auditor_reads_the_decisions_without_the_text_and_may_change_nothing(
        api: TestClient, filed: Filed, database: Database, make_user: MakeUser) -> None:
    span = suggestion(database, filed.memo, MEMO, SSN)
    token = signed_in(api, make_user(Role.auditor))
    page = api.get(f"/requests/{filed.request_id}/redactions/{filed.memo}")
    assert page.status_code == 200, page.text
    assert "999-99-9999" in page.text  # the quote's shape, not the quote
    assert SSN not in page.text and "hunter2" not in page.text and "redaction-text" not in page.text
    assert "<button" not in page.text.split("</header>")[1]  # only the header's Sign out
    listing = api.get(f"/requests/{filed.request_id}/redactions")
    assert listing.status_code == 200 and "Find suggestions" not in listing.text
    before, entries = snapshot(database), changes(database)
    refused = api.post(f"/requests/{filed.request_id}/redactions/{filed.memo}/spans/{span}/decision",
                       data={"csrf_token": token, "decision": "accept", "version": "1",
                             "reason": "SSN", "citation": SSN_CITATION})
    assert refused.status_code == 403 and "clerk, attorney, admin" in refused.text
    assert snapshot(database) == before and changes(database) == entries


def test_a_form_without_its_csrf_token_changes_nothing(
        api: TestClient, filed: Filed, database: Database, make_user: MakeUser) -> None:
    span = suggestion(database, filed.memo, MEMO, SSN)
    signed_in(api, make_user(Role.clerk))
    before, entries = snapshot(database), changes(database)
    refused = api.post(f"/requests/{filed.request_id}/redactions/{filed.memo}/spans/{span}/decision",
                       data={"decision": "accept", "version": "1", "reason": "SSN",
                             "citation": SSN_CITATION})
    assert refused.status_code == 403 and "Nothing was changed" in refused.text
    assert snapshot(database) == before and changes(database) == entries


@pytest.mark.parametrize(("start", "end", "says"), [
    ("0", str(len(MEMO) + 5), "is not within the text"),
    ("40", "12", "start must be before end"),
    ("-3", "4", "start"),
    ("ten", "20", "must be a whole number"),
])
def test_offsets_outside_the_text_are_refused_beside_the_form(
        api: TestClient, filed: Filed, database: Database, make_user: MakeUser,
        start: str, end: str, says: str) -> None:
    token = signed_in(api, make_user(Role.attorney))
    before, entries = snapshot(database), changes(database)
    path = f"/requests/{filed.request_id}/redactions/{filed.memo}"
    refused = api.post(f"{path}/spans", data={
        "csrf_token": token, "start": start, "end": end, "reason": "Name",
        "citation": PRIVACY})
    assert refused.status_code == 400, refused.text
    assert 'id="manual-error"' in refused.text and says in refused.text
    assert f'value="{start}"' in refused.text  # the input is kept to be corrected
    assert snapshot(database) == before and changes(database) == entries


def test_adjusting_a_suggestion_accepts_it_at_the_new_place(
        api: TestClient, filed: Filed, database: Database, make_user: MakeUser) -> None:
    span = suggestion(database, filed.memo, MEMO, SSN)
    token = signed_in(api, make_user(Role.clerk))
    path = f"/requests/{filed.request_id}/redactions/{filed.memo}"
    page = api.get(f"{path}?span={span}")
    assert 'name="version" value="1"' in page.text
    start = MEMO.index(SSN)
    moved = api.post(f"{path}/spans/{span}/adjustment", follow_redirects=False, data={
        "csrf_token": token, "version": "1", "start": str(start - 5), "end": str(start + 11),
        "reason": "Social Security number", "citation": SSN_CITATION})
    assert moved.status_code == 303, moved.text
    [row] = spans(database)
    assert (row.start, row.end, row.quote, row.status) == (
        start - 5, start + 11, MEMO[start - 5:start + 11], RedactionStatus.accepted)
    assert trail(database)[-1].action == "redaction.adjust"
    # the document not in this request's review set is refused
    stranger = make_family(database, "Elsewhere", "nothing here")
    assert api.get(f"/requests/{filed.request_id}/redactions/{stranger.email}").status_code == 400
