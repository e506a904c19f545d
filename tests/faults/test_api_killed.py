"""`custodia serve` killed with SIGKILL while requests are being taken in, three times:
every records request has its audit entry and every entry its request; the chain verifies."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from app.core.db import Database
from app.models import AuditEntry, RecordsRequest
from tests.search.test_cluster import free_ports
from tests.serving import wait_until_live

CUSTODIA = str(Path(sys.executable).parent / "custodia")
BODY = {"requester_name": "Dana Reyes", "requester_email": "dana@example.org",
        "category": "general", "description": "Snow-route e-mails of December 2025",
        "channel": "email"}


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_ports(1)[0]
    # Its own session: a kill takes the server and the web processes it spawned alike.
    process = subprocess.Popen([CUSTODIA, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(process, url)
    except AssertionError:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    return process, url


def take_in_until_stopped(url: str, headers: dict[str, str], stop: threading.Event,
                          answered: list[int]) -> None:
    with httpx.Client(base_url=url, timeout=5) as client:
        while not stop.is_set():
            try:
                answered.append(client.post("/api/v1/requests", headers=headers,
                                            json=BODY).status_code)
            except httpx.HTTPError:
                return  # the server died under us


def test_requests_and_their_audit_survive_the_api_being_killed(tmp_path: Path) -> None:
    env = {**os.environ, "CUSTODIA_DATA_DIR": str(tmp_path / "var"),
           "CUSTODIA_IN_PROCESS_WORKER": "false"}
    subprocess.run([CUSTODIA, "migrate"], env=env, check=True, capture_output=True)
    added = subprocess.run([CUSTODIA, "user", "add", "clerk1", "--role", "clerk"], env=env,
                           check=True, capture_output=True, text=True)
    password = added.stdout.split("Password: ")[1].strip()
    answered: list[int] = []
    rng = random.Random(14)
    for _ in range(3):
        process, url = serve(env)
        try:
            token = httpx.post(f"{url}/api/v1/auth/token",
                               data={"username": "clerk1", "password": password})
            assert token.status_code == 200, token.text
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            stop = threading.Event()
            client = threading.Thread(target=take_in_until_stopped,
                                      args=(url, headers, stop, answered))
            client.start()
            time.sleep(rng.uniform(0.5, 2.0))
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
            stop.set()
            client.join(10)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    assert answered and set(answered) == {201}
    database = Database(f"sqlite:///{tmp_path / 'var' / 'custodia.db'}")
    with database.reading() as session:
        requests = {str(r.id) for r in session.scalars(select(RecordsRequest))}
        audited = [e.object_id for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "request.create"))]
    database.dispose()
    assert len(requests) >= answered.count(201)
    assert sorted(audited) == sorted(requests)  # one entry each, none without its request
    verified = subprocess.run([CUSTODIA, "audit", "verify"], env=env, capture_output=True,
                              text=True, timeout=120, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
