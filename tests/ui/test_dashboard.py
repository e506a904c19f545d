"""The dashboard: ingest progress that updates itself, and the dead-letter list for admins."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from app.core import jobs as queue
from app.core.audit import Actor
from app.core.db import Database
from app.models import IngestJob, Job, JobState, JobStatus, Role, User
from ingest import jobs as ingest_jobs
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, accessible, actions, csrf_of, page_token, screenshot, signed_in

pytestmark = EMBEDDED


def _running_job(database: Database, actor: Actor, folder: Path) -> uuid.UUID:
    folder.mkdir(exist_ok=True)
    with database.transaction() as session:
        job = ingest_jobs.create_job(session, actor, "allen-p", {"type": "path", "paths": [str(folder)]})
        job.status, job.counts = JobStatus.running, {"new": 3, "duplicate": 1, "bytes": 2048}
        return job.id


def _dead_job(database: Database) -> uuid.UUID:
    with database.transaction() as session:
        job = queue.enqueue(session, "mail.send", {"message": "x"})
        job.status, job.attempts, job.last_error = JobState.dead, 10, "connection refused"
        return job.id


def test_ingest_progress_updates_itself(page: Page, live_server: str, make_user: MakeUser,
                                        sign_in: Callable[[User], Page], database: Database,
                                        actor: Actor, tmp_path: Path) -> None:
    job_id = _running_job(database, actor, tmp_path / "box")
    sign_in(make_user(Role.clerk))
    section = page.locator("#ingest")
    expect(section).to_contain_text("4 items so far: 3 new, 1 duplicates")
    accessible(page)
    with database.transaction() as session:  # the worker gets on; the page follows by itself
        job = session.get(IngestJob, job_id)
        assert job is not None
        job.counts = {"new": 40, "duplicate": 2, "quarantined": 1, "bytes": 4096}
    expect(section).to_contain_text("43 items so far: 40 new, 2 duplicates, 1 quarantined",
                                    timeout=10_000)
    with database.transaction() as session:
        job = session.get(IngestJob, job_id)
        assert job is not None
        job.status = JobStatus.done
    expect(section).to_contain_text("No ingest job is at work", timeout=10_000)
    expect(section).to_contain_text("allen-p: done")
    screenshot(page, "dashboard-ingest")


def test_each_role_sees_its_own_sections(api: TestClient, make_user: MakeUser,
                                         database: Database) -> None:
    _dead_job(database)
    signed_in(api, make_user(Role.auditor))
    auditor = api.get("/dashboard")
    assert auditor.status_code == 200
    assert "Ingest jobs" not in auditor.text and "Failed background jobs" not in auditor.text
    assert api.get("/dashboard/ingest").status_code == 403  # typed by hand: the API's rule


def test_an_admin_retries_a_dead_job(page: Page, live_server: str, make_user: MakeUser,
                                     sign_in: Callable[[User], Page], database: Database) -> None:
    job_id = _dead_job(database)
    sign_in(make_user(Role.admin))
    dead = page.get_by_role("region", name="Failed background jobs")
    expect(dead).to_contain_text("connection refused")
    accessible(page)
    dead.get_by_role("button", name="Retry the mail.send job").click()
    expect(page.get_by_text("The mail.send job is queued again.")).to_be_visible()
    expect(page.get_by_text("No background job has failed.")).to_be_visible()
    with database.reading() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status == JobState.queued and job.attempts == 0
    assert actions(database)[-1] == "job.retry"


def test_retrying_a_job_that_is_not_dead_changes_nothing(api: TestClient, make_user: MakeUser,
                                                        database: Database) -> None:
    signed_in(api, make_user(Role.admin))
    client = api
    with database.transaction() as session:
        queued = queue.enqueue(session, "mail.send", {"message": "x"}).id
    before = actions(database)
    token = page_token(client, "/dashboard")
    for job_id in (queued, uuid.UUID(int=0)):
        answer = client.post(f"/dashboard/jobs/{job_id}/retry", data={"csrf_token": token})
        assert answer.status_code == 200 and "Not retried" in answer.text
    assert client.post("/dashboard/jobs/not-a-uuid/retry",
                       data={"csrf_token": token}).status_code == 400
    assert actions(database) == before


def test_my_requests_and_those_nobody_has(api: TestClient, make_user: MakeUser,
                                          database: Database) -> None:
    clerk, other = make_user(Role.clerk), make_user(Role.clerk)
    signed_in(api, clerk)
    client = api
    token = csrf_of(client.get("/requests/new").text)
    base = {"requester_name": "Robin Reporter", "category": "general", "channel": "phone",
            "description": "Budget e-mail", "csrf_token": token}
    for name, mine in (("Mine Only", "true"), ("Nobody Yet", "")):
        answer = client.post("/requests", data={**base, "requester_name": name,
                                                **({"mine": mine} if mine else {})},
                             follow_redirects=False)
        assert answer.status_code == 303, answer.text
    page = client.get("/dashboard").text
    mine, unassigned = page.split("Not yet assigned")
    assert "Mine Only" in mine and "Nobody Yet" not in mine
    assert "Nobody Yet" in unassigned
    assert "<td>3</td>" in mine  # three working days left on the day it came in
    api.cookies.clear()
    signed_in(api, other)
    theirs = api.get("/dashboard").text
    assert "No running request is assigned to you." in theirs
