"""Operations: /metrics behind its own token, liveness and readiness, JSON logs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.core import migrations
from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import TEST_SECRET
from tests.serving import wait_until_live

CUSTODIA = str(Path(sys.executable).parent / "custodia")
TOKEN = "metrics-token-" + "m" * 20


def app_settings(tmp_path: Path, **extra: object) -> Settings:
    tmp_path.mkdir(exist_ok=True)
    return Settings(env="test", data_dir=tmp_path, secret_key=TEST_SECRET,
                    in_process_worker=False, **extra)  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = app_settings(tmp_path, metrics_token=TOKEN)
    migrations.upgrade(Database(settings.resolved_database_url).engine)
    return TestClient(create_app(settings))


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric.split("{")[0] == name:
            found = ",".join(sorted(re.findall(r'\w+="[^"]*"', metric)))
            if found == wanted:
                return float(value)
    return 0.0


def test_metrics_count_requests_by_route_template_behind_their_token(client: TestClient) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    live = {"method": "GET", "route": "/api/v1/live"}
    document = {"method": "GET", "route": "/api/v1/documents/{document_id}", "status": "401"}
    before = client.get("/metrics", headers=bearer).text  # the counts are the process's
    for _ in range(3):
        assert client.get("/api/v1/live").status_code == 200
    hostile = f"/api/v1/documents/{uuid.uuid4()}"
    client.get(hostile)
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 34})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert TOKEN not in wrong.text
    answer = client.get("/metrics", headers=bearer)
    assert answer.status_code == 200
    text = answer.text

    def added(name: str, **labels: str) -> float:
        return sample(text, name, **labels) - sample(before, name, **labels)

    assert added("custodia_http_requests_total", status="200", **live) == 3
    assert hostile not in text  # the template, never the caller's path
    assert added("custodia_http_requests_total", **document) == 1
    assert added("custodia_http_request_duration_seconds_count", **live) == 3
    for name in ("custodia_queue_depth", "custodia_index_lag_documents",
                 "custodia_index_lag_seconds", "custodia_requests_overdue"):
        assert re.search(rf"^{name} 0\.0$", text, re.M), name
    assert re.search(r'^custodia_jobs\{state="queued"\} ', text, re.M)


def test_without_a_token_setting_there_is_no_metrics_endpoint(tmp_path: Path) -> None:
    with TestClient(create_app(app_settings(tmp_path))) as client:
        assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
                          ).status_code == 404


def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/api/v1/live").json() == {"status": "live"}
    ready = client.get("/api/v1/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready" and ready.json()["database"] == "sqlite"


def test_not_ready_says_which_dependency(tmp_path: Path, unused_port: int) -> None:
    unmigrated = TestClient(create_app(app_settings(tmp_path / "a")))
    answer = unmigrated.get("/api/v1/ready")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert "database" in answer.json()["detail"]
    assert unmigrated.get("/api/v1/live").status_code == 200  # alive all the same

    settings = app_settings(tmp_path / "b", elasticsearch_url=f"http://127.0.0.1:{unused_port}")
    migrations.upgrade(Database(settings.resolved_database_url).engine)
    answer = TestClient(create_app(settings)).get("/api/v1/ready")
    assert answer.status_code == 503
    assert f"Elasticsearch at http://127.0.0.1:{unused_port} does not answer" in \
        answer.json()["detail"]


def test_json_logs_carry_the_request_id_and_two_processes_count_together(
    tmp_path: Path, unused_port: int,
) -> None:
    env = {**os.environ, "CUSTODIA_DATA_DIR": str(tmp_path), "CUSTODIA_SECRET_KEY": TEST_SECRET,
           "CUSTODIA_IN_PROCESS_WORKER": "false", "CUSTODIA_LOG_FORMAT": "json",
           "CUSTODIA_METRICS_TOKEN": TOKEN}
    subprocess.run([CUSTODIA, "migrate"], env=env, check=True, capture_output=True)
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen([CUSTODIA, "serve", "--port", str(unused_port), "--workers", "2"],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{unused_port}"
    try:
        wait_until_live(server, url)
        with httpx.Client(base_url=url, timeout=10) as http:
            answered = http.get("/api/v1/live?secret=hunter2-in-a-query",
                                headers={"X-Request-ID": "req-check-123"})
            assert answered.headers["x-request-id"] == "req-check-123"
            for _ in range(40):  # new connections: both processes answer some
                httpx.get(f"{url}/api/v1/live", timeout=10)
            text = http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    finally:
        server.terminate()
        server.wait(timeout=30)
    # the 40 and the wait's last, whichever process answered (the wait may add failed ones)
    assert sample(text, "custodia_http_requests_total", method="GET", route="/api/v1/live",
                  status="200") >= 41
    assert sample(text, "custodia_http_requests_total", method="GET", route="/api/v1/live",
                  status="400") == 1  # an unknown query parameter is refused
    log.seek(0)
    lines = [json.loads(line) for line in log.read().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "req-check-123"]
    assert mine and mine[-1]["path"] == "/api/v1/live" and mine[-1]["status"] == 400
    assert "hunter2" not in json.dumps(lines)
