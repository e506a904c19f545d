"""A requester follows their request through a secret link, with no account."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import AuditEntry, RequestLink, Role, User
from tests.conftest import MakeUser
from tests.letters.conftest import MakeRequest
from tests.letters.test_api import counts, pdf_text

Headers = Callable[[User], dict[str, str]]


def test_a_link_shows_the_request_and_its_letters_without_an_account(
    client: TestClient, database: Database, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest
) -> None:
    request = make_request(extended_due_date=date(2026, 12, 15))
    clerk = sign_in(make_user(Role.clerk))
    letter = client.post(f"/api/v1/requests/{request.id}/letters", headers=clerk,
                         json={"kind": "acknowledgement"}).json()
    issued = client.post(f"/api/v1/requests/{request.id}/links", headers=clerk)
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    assert len(token) >= 43 and issued.json()["path"] == f"/api/v1/portal/{token}"

    page = client.get(f"/api/v1/portal/{token}")
    assert page.status_code == 200, page.text
    shown = page.json()
    assert (shown["number"], shown["status"], shown["due_date"], shown["extended_due_date"]) == (
        request.number, "received", "2026-12-04", "2026-12-15")
    assert [(item["id"], item["kind"]) for item in shown["letters"]] == [(letter["id"], "acknowledgement")]
    pdf = client.get(f"/api/v1/portal/{token}/{shown['letters'][0]['pdf']}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert request.number in pdf_text(pdf.content)

    with database.reading() as session:
        link = session.scalars(select(RequestLink)).one()
        assert link.token_sha256 != token and token not in link.token_sha256
        entries = list(session.scalars(select(AuditEntry)))
    assert {"request_link.create", "portal.view", "portal.letter_download"} <= {e.action for e in entries}
    assert not [e for e in entries if token in json.dumps(e.details)]
    listed = client.get(f"/api/v1/requests/{request.id}/links", headers=clerk).json()
    assert listed["total"] == 1 and "token" not in listed["items"][0]


def test_unknown_and_revoked_links_answer_the_same_404(
    client: TestClient, database: Database, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest
) -> None:
    request, other = make_request(), make_request()
    clerk = sign_in(make_user(Role.clerk))
    issued = client.post(f"/api/v1/requests/{request.id}/links", headers=clerk).json()
    others = client.post(f"/api/v1/requests/{other.id}/letters", headers=clerk,
                         json={"kind": "closing"}).json()
    token = issued["token"]
    # Another request's letter is not reachable through this link.
    assert client.get(f"/api/v1/portal/{token}/letters/{others['id']}.pdf").status_code == 404
    revoked = client.delete(f"/api/v1/requests/{request.id}/links/{issued['id']}", headers=clerk)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    before = counts(database)
    answers = [client.get(f"/api/v1/portal/{t}") for t in (token, token[:-1] + "x", "short", "A" * 300)]
    assert {a.status_code for a in answers} == {404}
    assert {a.json()["detail"] for a in answers} == {"No such link."}
    assert client.get(f"/api/v1/portal/{token}/letters/{others['id']}.pdf").status_code == 404
    again = client.delete(f"/api/v1/requests/{request.id}/links/{issued['id']}", headers=clerk)
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    elsewhere = client.delete(f"/api/v1/requests/{other.id}/links/{issued['id']}", headers=clerk)
    assert elsewhere.status_code == 404
    missing = client.post("/api/v1/requests/00000000-0000-0000-0000-000000000000/links", headers=clerk)
    assert missing.status_code == 404
    assert counts(database) == before


def test_only_clerks_and_admins_make_and_revoke_links(
    client: TestClient, make_user: MakeUser, sign_in: Headers, make_request: MakeRequest
) -> None:
    request = make_request()
    for role in (Role.attorney, Role.auditor):
        headers = sign_in(make_user(role))
        assert client.post(f"/api/v1/requests/{request.id}/links", headers=headers).status_code == 403
    admin = sign_in(make_user(Role.admin))
    assert client.post(f"/api/v1/requests/{request.id}/links", headers=admin).status_code == 201


def test_guessing_tokens_is_slowed(
    settings: Settings, database: Database, make_user: MakeUser, make_request: MakeRequest
) -> None:
    strict = settings.model_copy(update={"sign_in_failures_per_address": 3})
    request = make_request()
    clerk = make_user(Role.clerk)
    with TestClient(create_app(strict), client=("198.51.100.9", 4000)) as guesser:
        login = guesser.post("/api/v1/auth/token", data={"username": clerk.username,
                                                          "password": "correct horse battery staple"})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        token = guesser.post(f"/api/v1/requests/{request.id}/links", headers=headers).json()["token"]
        assert guesser.get(f"/api/v1/portal/{token}").status_code == 200
        for n in range(3):
            assert guesser.get(f"/api/v1/portal/guess-{n:040d}").status_code == 404
        blocked = guesser.get(f"/api/v1/portal/{token}")
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
