"""A portal token never reaches a log: uvicorn's access log of a real `custodia serve`, our own."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.portal import logs, service
from tests.conftest import TEST_SECRET
from tests.letters.conftest import MakeRequest


@pytest.fixture
def database_url(tmp_path: Path) -> str:  # a server process of its own reads it: SQLite will do
    return f"sqlite:///{tmp_path / 'custodia.db'}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_the_access_log_of_a_real_server_redacts_the_token(
    settings: Settings, database: Database, make_request: MakeRequest, actor: Actor
) -> None:
    request = make_request()
    with database.transaction() as session:
        _, token = service.create_link(session, actor, request.id)
    port = free_port()
    environment = {**{k: v for k, v in os.environ.items() if not k.startswith("CUSTODIA_")},
                   "CUSTODIA_ENV": "test", "CUSTODIA_DATA_DIR": str(settings.data_dir),
                   "CUSTODIA_DATABASE_URL": settings.resolved_database_url,
                   "CUSTODIA_SECRET_KEY": TEST_SECRET, "CUSTODIA_IN_PROCESS_WORKER": "false"}
    custodia = Path(sys.executable).with_name("custodia")
    server = subprocess.Popen([str(custodia), "serve", "--port", str(port), "--workers", "1"],
                              env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        base = f"http://127.0.0.1:{port}/api/v1/portal"
        with urllib.request.urlopen(f"{base}/{token}", timeout=30) as answer:
            assert answer.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/portal/track/{token}", timeout=30) as answer:
            assert answer.status == 200  # the portal's tracking page, behind the same link
        for url, status in ((f"{base}/{token}x", 404), (f"{base}/{token}?x=1", 400)):
            try:
                urllib.request.urlopen(url, timeout=30)
            except urllib.error.HTTPError as refused:
                assert refused.code == status
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=30)[0].decode()
    assert "GET /api/v1/portal/[redacted] HTTP/1.1\" 200" in output, output
    assert "GET /api/v1/portal/[redacted] HTTP/1.1\" 404" in output, output
    assert "GET /api/v1/portal/[redacted]?x=1 HTTP/1.1\" 400" in output, output
    assert "GET /portal/track/[redacted] HTTP/1.1\" 200" in output, output
    assert token not in output and token[:20] not in output


def test_our_own_log_records_are_redacted_as_they_are_made(caplog: pytest.LogCaptureFixture) -> None:
    logs.install()
    logs.install()  # once is enough; twice does no harm
    with caplog.at_level(logging.INFO):
        logging.getLogger("custodia.errors").error("unhandled error on %s %s", "GET",
                                                   "/api/v1/portal/s3cret-Token_value/letters/1.pdf")
        logging.getLogger("anything").info("seen /api/v1/portal/s3cret-Token_value")
    assert "s3cret" not in caplog.text
    assert "/api/v1/portal/[redacted]/letters/1.pdf" in caplog.text


@pytest.mark.parametrize(("logged", "kept"), [
    ("GET /portal/track/s3cret-Token_value HTTP/1.1", "GET /portal/track/[redacted] HTTP/1.1"),
    ("/portal/track/s3cret-Token_value/letters/1.pdf", "/portal/track/[redacted]/letters/1.pdf"),
    ("'/portal/track/s3cret-Token_value'", "'/portal/track/[redacted]'"),
    ("/api/v1/portal/acknowledgements/s3cret-Token_value", "/api/v1/portal/acknowledgements/[redacted]"),
    # the portal's pages without a token stay readable
    ("POST /portal/requests/new HTTP/1.1", "POST /portal/requests/new HTTP/1.1"),
    ("POST /portal/language HTTP/1.1", "POST /portal/language HTTP/1.1"),
    ("GET /portal HTTP/1.1", "GET /portal HTTP/1.1"),
])
def test_portal_page_paths_are_redacted_where_they_carry_a_token(logged: str, kept: str) -> None:
    assert logs.redact(logged) == kept
