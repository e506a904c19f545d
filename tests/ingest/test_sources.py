"""Where clerks may ingest from: ingest roots and uploads, and every way out refused.

Each refusal is a clear 4xx, and nothing is stored: no job, no native, no upload.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.db import Database
from app.core.secrets import credentials_key
from app.core.settings import Settings
from app.main import create_app
from app.models import Blob, Document, IngestJob, IngestRoot, MailConnection, Role, User
from tests.conftest import MakeUser
from tests.ingest.test_api import wait_for_job
from tests.ingest.test_dedup import mail

Headers = Callable[[User], dict[str, str]]


@pytest.fixture
def share(tmp_path: Path) -> Path:
    """A folder of mail on the server, outside Custodia's data directory."""
    box = tmp_path / "share" / "parks"
    box.mkdir(parents=True)
    (box / "1.eml").write_bytes(mail("Trail permit", "Approved for May."))
    return tmp_path / "share"


@pytest.fixture
def people(make_user: MakeUser, sign_in: Headers) -> dict[str, dict[str, str]]:
    return {role.value: sign_in(make_user(role)) for role in Role}


@pytest.fixture
def shared_root(client: TestClient, people: dict[str, dict[str, str]], share: Path) -> str:
    answer = client.post("/api/v1/ingest/roots", headers=people["admin"],
                         json={"name": "shared", "path": str(share), "description": "mail"})
    assert answer.status_code == 201, answer.text
    return "shared"


def stored(database: Database) -> tuple[int, int]:
    """(jobs, natives) in the catalog."""
    with database.reading() as session:
        return (session.scalar(select(func.count()).select_from(IngestJob)) or 0,
                session.scalar(select(func.count()).select_from(Blob)) or 0)


def test_clerks_see_roots_by_name_and_administrators_by_path(
    client: TestClient, people: dict[str, dict[str, str]], shared_root: str, share: Path,
) -> None:
    as_clerk = client.get("/api/v1/ingest/roots", headers=people["clerk"]).json()
    as_admin = client.get("/api/v1/ingest/roots", headers=people["admin"]).json()
    assert [(r["name"], r["path"]) for r in as_clerk] == [("shared", None)]
    assert [(r["name"], r["path"]) for r in as_admin] == [("shared", str(share.resolve()))]
    assert client.post("/api/v1/ingest/roots", headers=people["clerk"],
                       json={"name": "x", "path": "/tmp"}).status_code == 403
    assert client.get("/api/v1/ingest/roots", headers=people["auditor"]).status_code == 403


@pytest.mark.parametrize("path, why", [
    ("relative/folder", "absolute"),
    ("/no/such/folder", "no folder"),
    ("/", "data directory"),
    ("/etc", "system folder"),
    ("/proc/self", "system folder"),
])
def test_an_administrator_cannot_declare_a_dangerous_root(
    client: TestClient, people: dict[str, dict[str, str]], database: Database, path: str, why: str,
) -> None:
    answer = client.post("/api/v1/ingest/roots", headers=people["admin"],
                         json={"name": "bad", "path": path})
    assert answer.status_code == 400 and why in answer.json()["detail"]
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(IngestRoot)) == 0


def test_the_data_directory_cannot_be_a_root_nor_hold_one(
    client: TestClient, people: dict[str, dict[str, str]], settings: Settings, shared_root: str,
    share: Path,
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    inside = settings.data_dir / "natives"
    inside.mkdir(exist_ok=True)
    for path in (settings.data_dir, inside, settings.data_dir.parent):
        answer = client.post("/api/v1/ingest/roots", headers=people["admin"],
                             json={"name": "data", "path": str(path)})
        assert answer.status_code == 400, path
    again = client.post("/api/v1/ingest/roots", headers=people["admin"],
                        json={"name": "shared", "path": str(share / "parks")})
    assert again.status_code == 409


# A path with a NUL is refused before it reaches the root (tests/core/test_payload.py).
@pytest.mark.parametrize("path", ["/etc", "/etc/shadow", "../../../etc/passwd", "parks/../..",
                                  "link-out", "link-out/hostname"])
def test_a_clerk_cannot_leave_the_root(
    client: TestClient, people: dict[str, dict[str, str]], database: Database, share: Path,
    shared_root: str, path: str,
) -> None:
    (share / "link-out").symlink_to("/etc")
    answer = client.post("/api/v1/ingest/jobs", headers=people["clerk"], json={
        "custodian": "anyone", "source": {"type": "root", "root": "shared", "path": path}})
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["code"] == "outside_ingest_root" and problem["roots"] == ["shared"]
    assert "/etc" not in problem["detail"] and str(share) not in answer.text
    assert stored(database) == (0, 0)


def test_server_paths_are_not_an_api_source(
    client: TestClient, people: dict[str, dict[str, str]], database: Database,
) -> None:
    for source in ({"type": "path", "paths": ["/etc"]},
                   {"type": "imap", "host": "127.0.0.1", "username": "u", "password_env": "HOME"},
                   # fields a source does not have are refused, not dropped
                   {"type": "imap", "connection": "city-mail", "password_env": "HOME"},
                   {"type": "root", "root": "shared", "paths": ["/etc"]}):
        answer = client.post("/api/v1/ingest/jobs", headers=people["clerk"],
                             json={"custodian": "x", "source": source})
        assert answer.status_code == 422
    assert stored(database) == (0, 0)


@pytest.fixture
def worker_client(settings: Settings, database: Database) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"in_process_worker": True, "upload_max_bytes": 200_000})
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_walk_inside_a_root_reads_nothing_outside_it(
    worker_client: TestClient, make_user: MakeUser, sign_in: Headers, share: Path,
) -> None:
    admin, clerk = sign_in(make_user(Role.admin)), sign_in(make_user(Role.clerk))
    parks = share / "parks"
    (parks / "hosts").symlink_to("/etc/hosts")  # a file outside
    (parks / "etc").symlink_to("/etc")  # a folder outside
    (parks / "again").symlink_to(parks)  # a loop inside
    os.mkfifo(parks / "pipe")  # would block a reader forever
    assert worker_client.post("/api/v1/ingest/roots", headers=admin, json={
        "name": "shared", "path": str(share)}).status_code == 201
    queued = worker_client.post("/api/v1/ingest/jobs", headers=clerk, json={
        "custodian": "parks", "source": {"type": "root", "root": "shared", "path": "parks"}})
    assert queued.status_code == 202, queued.text
    assert queued.json()["source"] == {"type": "root", "root": "shared", "path": "parks"}
    job = wait_for_job(worker_client, clerk, queued.json()["id"])
    assert job["status"] == "done" and job["counts"]["new"] == 1, job
    errors = worker_client.get("/api/v1/ingest/errors", headers=clerk,
                               params={"job_id": job["id"]}).json()["items"]
    reasons = {e["source_id"]: e["reason"] for e in errors}
    assert set(reasons) == {"etc", "hosts", "pipe"}
    assert "outside" in reasons["etc"] and "outside" in reasons["hosts"]
    assert "regular file" in reasons["pipe"]
    assert {e["source"] for e in errors} == {"shared:/parks"}
    hosts = hashlib.sha256(Path("/etc/hosts").read_bytes()).hexdigest()
    database: Database = worker_client.app.state.database  # type: ignore[attr-defined]
    with database.reading() as session:
        assert session.get(Blob, hosts) is None


def upload(client: TestClient, headers: dict[str, str], files: list[tuple[str, bytes]],
           custodian: str | None = "parks") -> object:
    data = {"custodian": custodian} if custodian is not None else {}
    return client.post("/api/v1/ingest/uploads", headers=headers, data=data,
                       files=[("files", (name, body, "application/octet-stream"))
                              for name, body in files])


def test_an_upload_is_hashed_stored_and_ingested(
    worker_client: TestClient, make_user: MakeUser, sign_in: Headers, settings: Settings,
) -> None:
    clerk = sign_in(make_user(Role.clerk))
    first, second = mail("Budget", "Draft attached."), mail("Minutes", "For approval.")
    answer = upload(worker_client, clerk, [("inbox/1.eml", first), ("..\\..\\2.eml", second)])
    assert answer.status_code == 202, answer.text  # type: ignore[attr-defined]
    queued = answer.json()  # type: ignore[attr-defined]
    files = queued["source"]["files"]
    assert [(f["name"], f["size"], f["sha256"]) for f in files] == [
        ("1.eml", len(first), hashlib.sha256(first).hexdigest()),
        ("2.eml", len(second), hashlib.sha256(second).hexdigest())]
    assert "within" not in queued["source"]
    folder = settings.uploads_dir / queued["source"]["upload_id"]
    assert sorted(p.name for p in folder.iterdir()) == ["1.eml", "2.eml"]
    job = wait_for_job(worker_client, clerk, queued["id"])
    assert job["status"] == "done" and job["counts"]["new"] == 2, job


@pytest.mark.parametrize("name, kept", [
    ("../../etc/passwd", "passwd"), ("/abs/x.eml", "x.eml"), ("..", "upload-1"),
    ("   ", "upload-1"), ("C:\\Users\\me\\box.pst", "box.pst"),
])
def test_an_upload_keeps_plain_names_inside_its_folder(
    worker_client: TestClient, make_user: MakeUser, sign_in: Headers, settings: Settings,
    name: str, kept: str,
) -> None:
    clerk = sign_in(make_user(Role.clerk))
    answer = upload(worker_client, clerk, [(name, mail("x", "y"))])
    assert answer.status_code == 202, answer.text  # type: ignore[attr-defined]
    source = answer.json()["source"]  # type: ignore[attr-defined]
    assert [f["name"] for f in source["files"]] == [kept]
    folder = settings.uploads_dir / source["upload_id"]
    assert [p.name for p in folder.iterdir()] == [kept]


def test_a_refused_upload_leaves_nothing(
    worker_client: TestClient, make_user: MakeUser, sign_in: Headers, settings: Settings,
) -> None:
    clerk, auditor = sign_in(make_user(Role.clerk)), sign_in(make_user(Role.auditor))
    database: Database = worker_client.app.state.database  # type: ignore[attr-defined]
    too_big = upload(worker_client, clerk, [("big.mbox", b"From x\n" + b"a" * 300_000)])
    assert too_big.status_code == 413  # type: ignore[attr-defined]
    no_custodian = upload(worker_client, clerk, [("1.eml", mail("x", "y"))], custodian=None)
    assert no_custodian.status_code == 400  # type: ignore[attr-defined]
    no_files = worker_client.post("/api/v1/ingest/uploads", headers=clerk,
                                  data={"custodian": "parks"},
                                  files=[("note", ("", b"", "text/plain"))])
    assert no_files.status_code == 400
    not_multipart = worker_client.post(
        "/api/v1/ingest/uploads", headers={**clerk, "Content-Type": "application/octet-stream"},
        content=b"raw bytes")
    assert not_multipart.status_code == 400
    assert upload(worker_client, auditor, [("1.eml", b"x")]).status_code == 403  # type: ignore[attr-defined]
    for answer in (too_big, no_custodian, no_files, not_multipart):
        assert answer.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    leftovers = [p for p in settings.uploads_dir.rglob("*") if p.is_file()]
    assert leftovers == []
    assert stored(database) == (0, 0)


def test_file_names_are_reduced_to_plain_names() -> None:
    from app.ingest.uploads import safe_name

    taken: set[str] = set()
    names = [safe_name(raw, taken) for raw in ("a\x00b\x1f.eml", "A_B_.EML", "x|y?.pst", ".env",
                                               "inbox", "inbox")]
    assert names == ["a_b_.eml", "A_B_-2.EML", "x_y_.pst", "env", "inbox", "inbox-2"]


def test_mail_connections_keep_their_password_encrypted_and_unseen(
    client: TestClient, people: dict[str, dict[str, str]], database: Database, settings: Settings,
) -> None:
    secret = "hunter2-secret-Password"
    created = client.post("/api/v1/ingest/connections", headers=people["admin"], json={
        "name": "city-mail", "host": "mail.city.example", "port": 993, "security": "tls",
        "username": "ediscovery", "password": secret})
    assert created.status_code == 201, created.text
    assert client.post("/api/v1/ingest/connections", headers=people["clerk"], json={
        "name": "mine", "host": "evil.example", "username": "u", "password": "p"}).status_code == 403
    seen = client.get("/api/v1/ingest/connections", headers=people["clerk"]).json()
    assert [(c["name"], c["host"], c["username"]) for c in seen] == [
        ("city-mail", "mail.city.example", None)]
    queued = client.post("/api/v1/ingest/jobs", headers=people["clerk"], json={
        "custodian": "mayor", "source": {"type": "imap", "connection": "city-mail",
                                         "folders": ["INBOX"]}})
    assert queued.status_code == 202, queued.text
    assert queued.json()["source"] == {"type": "imap", "connection": "city-mail",
                                       "folders": ["INBOX"]}
    unknown = client.post("/api/v1/ingest/jobs", headers=people["clerk"], json={
        "custodian": "mayor", "source": {"type": "imap", "connection": "gmail"}})
    assert unknown.status_code == 400 and unknown.json()["connections"] == ["city-mail"]
    trail = client.get("/api/v1/audit/export", headers=people["auditor"]).text
    assert "city-mail" in trail and secret not in trail
    for answer in (created, queued):
        assert secret not in answer.text
    with database.reading() as session:
        stored_password = session.scalars(select(MailConnection.password_encrypted)).one()
    assert secret not in stored_password
    assert credentials_key(settings).decrypt(stored_password.encode()).decode() == secret


@pytest.mark.parametrize("field, value", [
    ("host", "evil.example/../x"), ("host", "127.0.0.1:22"), ("host", "a b"), ("port", 0),
    ("port", 70000), ("port", "993"), ("port", 993.0), ("security", "ssl3"), ("name", "Bad Name"),
    ("password", ""),
])
def test_a_bad_mail_connection_is_refused(
    client: TestClient, people: dict[str, dict[str, str]], database: Database, field: str,
    value: object,
) -> None:
    body = {"name": "ok", "host": "mail.city.example", "port": 993, "security": "tls",
            "username": "u", "password": "p", field: value}
    answer = client.post("/api/v1/ingest/connections", headers=people["admin"], json=body)
    assert answer.status_code == 422
    with database.reading() as session:
        assert session.scalars(select(MailConnection)).all() == []


def test_a_voicemail_export_uploads_as_its_audio_and_sidecar(
    worker_client: TestClient, make_user: MakeUser, sign_in: Headers, corpus_dir: Path,
) -> None:
    clerk = sign_in(make_user(Role.clerk))
    export = corpus_dir / "voicemail" / "generated" / "export" / "shared-0004"
    files = [(p.name, p.read_bytes()) for p in sorted(export.iterdir())]
    assert sum(len(data) for _, data in files) < 200_000  # under the fixture's upload cap
    answer = upload(worker_client, clerk, files, custodian="hr-benefits")
    assert answer.status_code == 202, answer.text  # type: ignore[attr-defined]
    job = wait_for_job(worker_client, clerk, answer.json()["id"])  # type: ignore[attr-defined]
    assert job["status"] == "done" and job["counts"]["new"] == 1, job
    database: Database = worker_client.app.state.database  # type: ignore[attr-defined]
    with database.reading() as session:
        voicemail = session.scalars(select(Document).where(Document.parent_id.is_(None))).one()
    assert voicemail.kind == "voicemail" and voicemail.voicemail is not None
    assert voicemail.voicemail["caller_name"] == "Karen Mills"
