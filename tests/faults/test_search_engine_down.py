"""Elasticsearch stops while the app serves searches: clear 503s, then the same answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.settings import Settings
from app.demo.generator import generate
from app.main import create_app
from app.models import Role
from ingest import indexer
from tests.conftest import TEST_PASSWORD, TEST_SECRET, MakeUser
from tests.ingest.test_scaled import ingest_with
from tests.search.test_cluster import SERVICES, free_ports
from tests.ui.conftest import signed_in

ZONE = "America/Denver"


class OwnElasticsearch:
    """A node of the suite's distribution on its own port, for this test to stop and start."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="custodia-faults-es-"))
        self.root.chmod(0o755)
        port = free_ports(1)[0]
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "CUSTODIA_SERVICES_DIR": str(self.root),
                    "CUSTODIA_ES_PORT": str(port), "CUSTODIA_ES_JAVA_OPTS": "-Xms256m -Xmx512m"}

    def services(self, action: str) -> None:
        done = subprocess.run([str(SERVICES), action, "elasticsearch"], env=self.env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def own_elasticsearch(elasticsearch_url: str) -> Iterator[OwnElasticsearch]:
    node = OwnElasticsearch()  # elasticsearch_url: the suite's node built the distribution
    try:
        node.services("up")
        yield node
    finally:
        node.services("down")
        shutil.rmtree(node.root, ignore_errors=True)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    (tmp_path / "var").mkdir()
    return f"sqlite:///{tmp_path / 'var' / 'custodia.db'}"


def test_search_says_the_engine_is_unavailable_then_answers_the_same_when_it_returns(
    tmp_path: Path, own_elasticsearch: OwnElasticsearch, make_user: MakeUser,
) -> None:
    generate(tmp_path / "demo", messages=60)
    settings = Settings(env="test", data_dir=tmp_path / "var", secret_key=TEST_SECRET,
                        database_url=f"sqlite:///{tmp_path / 'var' / 'custodia.db'}",
                        elasticsearch_url=own_elasticsearch.url, index_name="faults-test",
                        in_process_worker=False)
    runtime = ingest_with(settings, tmp_path / "demo" / "mail")
    indexer.index_pending(runtime.database, runtime.engine, ZONE)
    runtime.engine.refresh()
    clerk = make_user(Role.clerk)
    with TestClient(create_app(settings), client=("203.0.113.7", 50000)) as client:
        token = client.post("/api/v1/auth/token",
                            data={"username": clerk.username, "password": TEST_PASSWORD})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        before = client.post("/api/v1/search", headers=headers, json={"query": "type:email"})
        assert before.status_code == 200, before.text
        total = before.json()["total"]
        assert total >= 60

        own_elasticsearch.services("down")
        down = client.post("/api/v1/search", headers=headers, json={"query": "type:email"})
        assert down.status_code == 503, down.text
        assert down.headers["content-type"].startswith("application/problem+json")
        assert "search" in down.json()["detail"].lower()
        assert "not answering" in down.json()["detail"]
        signed_in(client, clerk)  # the web page, through a browser's session
        page = client.get("/search", params={"q": "type:email"})
        assert page.status_code == 503, page.text
        assert "not answering" in page.text and "Traceback" not in page.text
        client.cookies.clear()

        own_elasticsearch.services("up")
        after = client.post("/api/v1/search", headers=headers, json={"query": "type:email"})
        assert after.status_code == 200, after.text
        assert after.json()["total"] == total
