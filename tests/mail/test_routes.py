"""A request's mail and its failures, for clerks, auditors and admins."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.core.db import Database
from app.core.mail import send_later
from app.models import MailStatus, Role, User
from tests.conftest import MakeUser

SignIn = Callable[[User], dict[str, str]]
ABOUT = {"about_type": "records_request", "about_id": "R-2026-014"}


def queue_mail(database: Database) -> None:
    with database.transaction() as session:
        failed = send_later(session, ["requester@example.org"], "Your request R-2026-014", "t",
                            about=("records_request", "R-2026-014"))
        failed.status, failed.attempts, failed.last_error = MailStatus.failed, 10, "gave up"
        send_later(session, ["requester@example.org"], "Fee estimate", "t",
                   about=("records_request", "R-2026-014"))
        send_later(session, ["other@example.org"], "Another request", "t",
                   about=("records_request", "R-2026-015"))


def test_clerks_auditors_and_admins_see_the_mail_about_one_request(
        client: TestClient, database: Database, make_user: MakeUser, sign_in: SignIn) -> None:
    queue_mail(database)
    for role in (Role.clerk, Role.auditor, Role.admin):
        headers = sign_in(make_user(role))
        listed = client.get("/api/v1/mail", params=ABOUT, headers=headers)
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert sorted(m["subject"] for m in items) == ["Fee estimate", "Your request R-2026-014"]
        assert "body_text" not in items[0]
    failed = client.get("/api/v1/mail", params={**ABOUT, "status": "failed"}, headers=headers)
    assert [(m["status"], m["last_error"]) for m in failed.json()["items"]] == [("failed", "gave up")]


def test_others_and_bad_filters_are_refused(client: TestClient, database: Database,
                                            make_user: MakeUser, sign_in: SignIn) -> None:
    queue_mail(database)
    assert client.get("/api/v1/mail", params=ABOUT,
                      headers=sign_in(make_user(Role.attorney))).status_code == 403
    assert client.get("/api/v1/mail", params=ABOUT).status_code == 401
    clerk = sign_in(make_user(Role.clerk))
    for params in ({"about_type": "records_request"}, {"about_id": "R-1"},
                   {**ABOUT, "about_type": "Records Request'--"},
                   {**ABOUT, "about_id": "x" * 65}, {**ABOUT, "status": "lost"}):
        refused = client.get("/api/v1/mail", params=params, headers=clerk)
        assert refused.status_code == 422, params
        assert refused.headers["content-type"].startswith("application/problem+json")
