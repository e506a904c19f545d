"""Each finding of the security review, tried again the way its attacker tried it.

One test per finding, named after it. Where another test already checks one rule
the attack breaks, a comment names it; these tests replay the attack end to end,
through the API, and check that it gets a clear 4xx problem and changes nothing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jwt
import pytest
from fastapi.testclient import TestClient
from jwt.warnings import InsecureKeyLengthWarning
from sqlalchemy.engine import make_url

from app import tasks
from app.core.db import Database
from app.core.secrets import PLACEHOLDER_SECRET
from app.core.settings import Settings
from app.main import create_app
from app.models import Role
from ingest.runtime import Runtime
from tests.apidocs.test_pages import ASSET
from tests.auth.test_signing_key import MODES, app_settings
from tests.conftest import MakeUser
from tests.deploy.test_licences import check_licences
from tests.ingest.test_api import wait_for_job
from tests.security.conftest import Headers, stored, trail

PROBLEM = "application/problem+json"
JOBS = "/api/v1/ingest/jobs"


def refused(answer: Any) -> dict[str, Any]:
    """The problem document of a clear refusal (a 4xx problem+json)."""
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert answer.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = answer.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    return problem


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()}


def test_a_clerk_can_ingest_any_file_the_server_can_read(
    client: TestClient, people: dict[str, Headers], share: Path, settings: Settings,
    database: Database, tmp_path: Path,
) -> None:
    """Finding: a clerk can ingest any file the server can read: POST /api/v1/ingest/jobs
    with {"type":"path","paths":["/etc"]} answers 202, every byte is copied into the natives
    store, and GET /ingest/errors then lists the server's file tree.

    The rules one at a time: tests/ingest/test_sources.py (test_a_clerk_cannot_leave_the_root,
    test_the_data_directory_cannot_be_a_root_nor_hold_one, test_an_upload_keeps_plain_names_...).
    """
    admin, clerk = people["admin"], people["clerk"]
    assert client.post("/api/v1/ingest/roots", headers=admin, json={
        "name": "shared", "path": str(share)}).status_code == 201
    sqlite_file = make_url(settings.resolved_database_url).database
    catalog = Path(sqlite_file) if sqlite_file else settings.data_dir  # PostgreSQL: no file
    (share / "etc").symlink_to("/etc")
    (share / "catalog").symlink_to(catalog)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (share / "data").symlink_to(settings.data_dir.resolve())
    before, files_before = trail(database), files_under(tmp_path)

    server_paths = ["/etc", "/root", "/etc/shadow", "../../../etc/passwd", str(catalog)]
    inside_root = ["/etc", "/etc/passwd", "../../../etc/passwd", "parks/../../..", "etc/passwd",
                   "catalog", "data", "data/natives", "%2e%2e/%2e%2e/etc/passwd",
                   "..%2f..%2f..%2fetc%2fpasswd", "parks\x00/../../../etc/passwd"]
    sources: list[dict[str, Any]] = [{"type": "path", "paths": [p]} for p in server_paths]
    sources += [{"type": "root", "root": "shared", "path": p} for p in inside_root]
    sources += [{"type": "root", "root": name} for name in ("/etc", "../shared", "shared/..")]
    for source in sources:
        problem = refused(client.post(JOBS, headers=clerk, json={"custodian": "x", "source": source}))
        assert str(share) not in str(problem) and str(tmp_path) not in str(problem), source
    for folder in (settings.data_dir, share / "data", tmp_path):  # an administrator's slip
        refused(client.post("/api/v1/ingest/roots", headers=admin, json={
            "name": "data", "path": str(folder)}))

    assert stored(database) == (0, 0)  # no job, no native
    assert trail(database) == before  # no change audited
    assert files_under(tmp_path) == files_before  # not a byte written
    errors = client.get("/api/v1/ingest/errors", headers=clerk).json()
    assert errors["total"] == 0  # no file tree of the server's

    # An upload named to climb out of its folder stays inside it, under a plain name.
    answer = client.post("/api/v1/ingest/uploads", headers=clerk, data={"custodian": "x"},
                         files=[("files", ("../../x", b"From: a@b\n\nhi\n", "message/rfc822"))])
    assert answer.status_code == 202, answer.text
    upload_id = answer.json()["source"]["upload_id"]
    assert files_under(tmp_path) - files_before == {settings.uploads_dir / upload_id / "x"}


class FakeImapServer:
    """A listener on loopback that greets like an IMAP server and writes down every line
    it is sent, as the finding's was."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.connections = 0
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed
                return
            self.connections += 1
            with connection:
                connection.sendall(b"* OK IMAP4rev1 ready\r\n")
                for line in connection.makefile("rb"):
                    self.received.append(line)
                    tag, _, command = line.partition(b" ")
                    if command.upper().startswith(b"CAPABILITY"):
                        connection.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
                    else:  # LOGIN and the rest: refused, after writing it down
                        connection.sendall(tag + b" NO nothing here\r\n")

    def close(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in the thread
        self.listener.close()
        self.thread.join(5)


@pytest.fixture
def fake_imap() -> Iterator[FakeImapServer]:
    server = FakeImapServer()
    yield server
    server.close()


def drain_queue(settings: Settings, database: Database) -> None:
    """Run whatever jobs are queued, as a worker would, with short IMAP time-outs."""
    quick = settings.model_copy(update={"imap_connect_timeout_seconds": 2.0,
                                        "imap_read_timeout_seconds": 2.0})
    tasks.load()
    runtime = Runtime.open(quick, database)
    while runtime.work("drain"):
        pass


def test_password_env_lets_a_clerk_send_any_environment_variable_to_a_host_they_pick(
    client: TestClient, people: dict[str, Headers], settings: Settings, database: Database,
    fake_imap: FakeImapServer, unused_port: int,
) -> None:
    """Finding: `password_env` lets a clerk make a worker send any environment variable to a
    host the clerk picks; a fake IMAP listener on loopback received `LOGIN u "/root"` for
    "password_env":"HOME", and the 400 error also said which variable names exist."""
    assert client.post("/api/v1/ingest/connections", headers=people["admin"], json={
        "name": "city-mail", "host": "127.0.0.1", "port": unused_port, "security": "none",
        "username": "ediscovery", "password": "kept-encrypted"}).status_code == 201
    before = trail(database)
    mine = {"host": "127.0.0.1", "port": fake_imap.port, "security": "none", "username": "u"}
    attempts: list[dict[str, Any]] = [
        {"type": "imap", **mine, "password_env": "HOME"},  # the finding's request
        {"type": "imap", **mine, "password_env": "CUSTODIA_TEST_PG_URL"},
        {"type": "imap", **mine, "password": "x"},
        {"type": "imap", "connection": "city-mail", **mine},  # a real name, my host
        {"type": "imap", "connection": "city-mail", "password_env": "HOME"},
        {"type": "imap", "connection": f"127.0.0.1:{fake_imap.port}"},
        {"type": "imap", "connection": "no-such-connection"},
    ]
    for source in attempts:
        answer = client.post(JOBS, headers=people["clerk"], json={"custodian": "x", "source": source})
        refused(answer)
        named = [name for name in os.environ if len(name) >= 4 and name in answer.text]
        assert named == [], f"the answer names environment variables: {named}"
    drain_queue(settings, database)  # a worker would have taken a queued job by now
    assert (fake_imap.connections, fake_imap.received) == (0, [])
    assert stored(database) == (0, 0)
    assert trail(database) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the in-process worker's
def test_a_hostile_imap_host_stalls_the_in_process_worker_and_the_next_job_waits(
    settings: Settings, database: Database, make_user: MakeUser, sign_in: Any, share: Path,
) -> None:
    """Finding: a hostile IMAP host stalls the in-process worker for about 60 s, and the next
    job waits behind it. (That the pull itself fails within its time-outs is
    tests/ingest/test_imap.py::test_a_silent_server_fails_the_job_within_its_time_outs.)"""
    timeouts = {"imap_connect_timeout_seconds": 1.0, "imap_read_timeout_seconds": 1.0}
    embedded = settings.model_copy(update={"in_process_worker": True, **timeouts})
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never greets
    with silent, TestClient(create_app(embedded)) as client:
        admin, clerk = sign_in(make_user(Role.admin)), sign_in(make_user(Role.clerk))
        for path, body in (("connections", {"name": "hostile", "host": "127.0.0.1", "port":
                                            silent.getsockname()[1], "security": "none",
                                            "username": "u", "password": "p"}),
                           ("roots", {"name": "shared", "path": str(share)})):
            assert client.post(f"/api/v1/ingest/{path}", headers=admin, json=body).status_code == 201
        started = time.monotonic()
        stalled = client.post(JOBS, headers=clerk, json={
            "custodian": "mayor", "source": {"type": "imap", "connection": "hostile"}})
        behind = client.post(JOBS, headers=clerk, json={
            "custodian": "parks", "source": {"type": "root", "root": "shared", "path": "parks"}})
        assert stalled.status_code == behind.status_code == 202
        done = wait_for_job(client, clerk, behind.json()["id"])
        elapsed = time.monotonic() - started
        failed = wait_for_job(client, clerk, stalled.json()["id"])
    assert done["status"] == "done" and done["counts"]["new"] == 2, done
    assert failed["status"] == "failed" and "timed out" in failed["error"].lower(), failed
    # Both time-outs, the worker's polls and the ingest of two e-mails: nowhere near 60 s.
    assert elapsed < 2 * sum(timeouts.values()) + 12, elapsed


@pytest.mark.parametrize("env", MODES)
def test_tokens_signed_with_the_public_placeholder_are_accepted_as_the_demo_admin(
    env: str, tmp_path: Path, database_url: str, database: Database, make_user: MakeUser,
) -> None:
    """Finding: in development and demo mode, tokens are signed with the public placeholder
    `change-me-in-production`, and a token forged with it is accepted as the demo admin.
    (The app's own signer with the placeholder: tests/auth/test_signing_key.py.)"""
    admin = make_user(Role.admin, username="demo-admin")
    claims = {"sub": str(admin.id), "typ": "access", "iat": database.clock.now(),
              "exp": database.clock.now() + timedelta(hours=8)}
    with pytest.warns(InsecureKeyLengthWarning):  # PyJWT itself finds the placeholder short
        forged = jwt.encode(claims, PLACEHOLDER_SECRET, algorithm="HS256")
    app = create_app(app_settings(env, tmp_path / "var", database_url))
    with TestClient(app) as client:
        before = trail(database)
        for path in ("/api/v1/users", "/api/v1/auth/me"):
            problem = refused(client.get(path, headers={"Authorization": f"Bearer {forged}"}))
            assert problem["status"] == 401
        assert trail(database) == before
        # The same claims signed with the app's real key pass: only the key was wrong.
        genuine = jwt.encode(claims, app.state.signing_key.get_secret_value(), algorithm="HS256")
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {genuine}"})
        assert me.status_code == 200 and me.json()["username"] == "demo-admin"


# What FastAPI's own pages load: Swagger UI from jsDelivr, ReDoc and its fonts from
# jsDelivr and Google, the favicon from the FastAPI site.
CDN = re.compile(r"cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.googleapis\.com"
                 r"|fonts\.gstatic\.com|fastapi\.tiangolo\.com|cdn\.redoc\.ly")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""")
OTHER_HOST = re.compile(r"(https?:)?//")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the pages read no records
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_loads_swagger_ui_from_a_cdn(client: TestClient, page: str) -> None:
    """Finding: `/docs` loads Swagger UI from a CDN. Over plain HTTP: neither page, nor any
    script or stylesheet it loads, names a CDN; everything it loads is the app's own.
    (In a browser with the network cut: tests/apidocs/test_pages.py.)"""
    html = client.get(page)
    assert html.status_code == 200
    assets = ASSET.findall(html.text)
    assert len(assets) >= 3, assets
    loaded = [html.text]
    for asset in assets:
        assert "//" not in asset, asset  # relative: this app's own
        answer = client.get(urljoin(f"http://testserver{page}", asset))
        assert answer.status_code == 200, asset
        loaded.append(answer.text if not asset.endswith(".png") else "")
        if asset.endswith(".css"):  # what a stylesheet loads: its url()s, data: URIs aside
            assert [u for u in CSS_URL.findall(answer.text) if OTHER_HOST.match(u)] == [], asset
    assert [m.group(0) for text in loaded for m in CDN.finditer(text)] == []


def test_an_audit_page_too_large_answers_400_while_search_answers_422(
    client: TestClient, people: dict[str, Headers], database: Database,
) -> None:
    """Finding: `GET /audit?limit=1000000` answers 400, while the same mistake on `/search`
    answers 422. Both are a payload mistake now: 422 problem+json naming the field."""
    before = trail(database)
    audit = refused(client.get("/api/v1/audit", headers=people["auditor"],
                               params={"limit": 1_000_000}))
    search = refused(client.post("/api/v1/search", headers=people["clerk"],
                                 json={"query": "budget", "size": 1_000_000}))
    assert (audit["status"], search["status"]) == (422, 422)
    assert audit["code"] == search["code"] == "validation_error"
    assert [e["location"] for e in audit["errors"]] == [["query", "limit"]]
    assert [e["location"] for e in search["errors"]] == [["body", "size"]]
    assert trail(database) == before  # neither read was made, so neither was audited


GPL_PACKAGES = {"extract-msg": "extract_msg", "RTFDE": "RTFDE", "oletools": "oletools",
                "pcodedmp": "pcodedmp"}


def test_the_project_depends_on_extract_msg_which_is_gpl() -> None:
    """Finding: the project depends on extract-msg, which is GPL-3.0 (and pulls in RTFDE,
    oletools and pcodedmp). None is importable, nor anywhere in custodia's runtime tree.
    (The licence check itself: tests/deploy/test_licences.py.)"""
    importable = [module for module in GPL_PACKAGES.values() if importlib.util.find_spec(module)]
    assert importable == []
    report = check_licences.walk("custodia")
    assert len(report.checked) > 10 and report.missing == []  # the real tree was walked
    in_tree = {finding.name.lower() for finding in report.checked}
    assert in_tree & {name.lower() for name in GPL_PACKAGES} == set()

