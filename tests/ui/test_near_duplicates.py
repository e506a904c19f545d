"""A clerk reads a near-duplicate's differences from its pivot, then tags the whole group
from the review set, in a real browser (axe-core and the CSP checked on each page)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import Database
from app.core.engine import open_search_engine
from app.core.settings import Settings
from app.models import ReviewTag, Role, User
from app.near_duplicates import grouping
from ingest import indexer
from tests.conftest import MakeUser
from tests.near_duplicates.factories import edited, memo
from tests.review.factories import make_family
from tests.ui.conftest import EMBEDDED, accessible, screenshot
from tests.ui.test_search import open_request

pytestmark = EMBEDDED


def test_a_clerk_compares_a_copy_with_its_pivot_and_tags_the_group(
        page: Page, live_server: str, sign_in: Callable[[User], Page], make_user: MakeUser,
        database: Database, settings: Settings, actor: Actor) -> None:
    text = memo(41)
    pivot = make_family(database, "Snow plan", text).email
    copy = make_family(database, "FW: Snow plan", edited(text)).email
    make_family(database, "Pool hours", memo(42))
    grouping.assign_pending(database, settings.near_duplicate_similarity)
    engine = open_search_engine(settings)
    indexer.index_pending(database, engine, settings.time_zone)
    request_id, _ = open_request(database, actor, settings)
    sign_in(make_user(Role.clerk))

    page.goto(f"{live_server}/documents/{copy}")
    expect(page.get_by_role("heading", name="Near-duplicates")).to_be_visible()
    expect(page.get_by_role("heading", name="Differences from the pivot")).to_be_visible()
    expect(page.locator(".diff ins").first).to_have_text("reconsidered")
    expect(page.locator(".diff del").first).to_have_text("The")
    accessible(page)
    screenshot(page, "near-duplicates-viewer")
    page.get_by_role("link", name="pivot", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Snow plan")
    expect(page.get_by_role("heading", name="Differences from the pivot")).to_have_count(0)

    page.goto(f"{live_server}/requests/{request_id}")
    page.get_by_label("Add by search").fill("snow")
    page.get_by_role("button", name="Add the hits").click()
    groups = page.get_by_role("table", name="Near-duplicate groups")
    expect(groups).to_be_visible()
    accessible(page)
    groups.get_by_role("button", name="Responsive", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("2 documents responsive")
    screenshot(page, "near-duplicates-review-set")
    with database.reading() as session:
        assert set(session.scalars(select(ReviewTag.document_id))) == {pivot, copy}
