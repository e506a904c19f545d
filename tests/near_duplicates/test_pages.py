"""The viewer shows a member's differences from the pivot, escaped; the review set lists
its near-duplicate groups and tags one with a single button (plain HTTP: rules, escaping)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.models import ReviewTag, Role
from app.near_duplicates import grouping
from tests.conftest import MakeUser
from tests.near_duplicates.factories import edited, memo
from tests.review.factories import index, make_family
from tests.ui.conftest import EMBEDDED, csrf_of, signed_in
from tests.ui.test_search import open_request

pytestmark = EMBEDDED
HOSTILE = '<script>alert("x")</script>'


def test_the_viewer_shows_the_differences_and_the_review_set_tags_a_group(
        client: TestClient, database: Database, make_user: MakeUser, actor: Actor,
        settings: Settings) -> None:
    text = memo(31)
    pivot = make_family(database, "Fleet memo", text).email
    copy = make_family(database, "FW: Fleet memo", edited(text) + " " + HOSTILE).email
    other = make_family(database, "Parks memo", memo(32)).email
    grouping.assign_pending(database, 0.9)
    index(database, client)
    signed_in(client, make_user(Role.clerk))

    page = client.get(f"/documents/{copy}").text
    assert "Near-duplicates" in page and "Differences from the pivot" in page
    assert "<ins>reconsidered</ins>" in page
    assert HOSTILE not in page and "&lt;script&gt;" in page  # escaped, never run
    assert f'href="/documents/{pivot}"' in page
    assert "Differences from the pivot" not in client.get(f"/documents/{pivot}").text
    assert "Near-duplicates" not in client.get(f"/documents/{other}").text  # alone: no section

    request_id = open_request(database, actor, settings)[0]
    case = client.get(f"/requests/{request_id}").text
    answer = client.post(f"/requests/{request_id}/review-set/searches", data={
        "query": "memo", "csrf_token": csrf_of(case)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    case = client.get(f"/requests/{request_id}").text
    assert "Near-duplicate groups" in case
    group = case.split("/near-duplicate-groups/")[1].split("/tags")[0]
    tagged = client.post(f"/requests/{request_id}/review-set/near-duplicate-groups/{group}/tags",
                         data={"tag": "responsive", "csrf_token": csrf_of(case)},
                         headers={"HX-Request": "true"})
    assert tagged.status_code == 200
    assert "2 documents responsive" in tagged.text
    with database.reading() as session:
        assert set(session.scalars(select(ReviewTag.document_id))) == {pivot, copy}
    refused = client.post(f"/requests/{request_id}/review-set/near-duplicate-groups/{group}/tags",
                          data={"tag": "responsive"}, follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
