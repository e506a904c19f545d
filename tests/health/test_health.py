"""Health names what is in use and whether it answers, against the real services."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.core.settings import Settings
from app.main import create_app
from tests.conftest import TEST_SECRET


def test_embedded_deployment_is_healthy(client: TestClient, settings: Settings) -> None:
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["search"]["in_use"] == "embedded"
    assert "FTS5" in body["search"]["detail"]
    assert body["extractor"]["in_use"] == "built-in"
    backend = settings.resolved_database_url.split(":")[0].split("+")[0]
    assert body["database"]["in_use"] == backend


def test_scaled_deployment_reports_elasticsearch_and_tika(
    tmp_path: Path, fresh_postgres: str, elasticsearch_url: str, tika_url: str
) -> None:
    settings = Settings(env="test", data_dir=tmp_path, database_url=fresh_postgres,
                        elasticsearch_url=elasticsearch_url, tika_url=tika_url,
                        secret_key=TEST_SECRET)
    with TestClient(create_app(settings)) as client:
        body = client.get("/api/v1/health").json()
    assert body["status"] == "ok", body
    assert body["database"]["detail"].startswith("PostgreSQL ")
    assert body["search"]["detail"].startswith("Elasticsearch 8.")
    assert "Apache Tika" in body["extractor"]["detail"]


def test_a_dead_search_engine_degrades_health(tmp_path: Path, unused_port: int) -> None:
    settings = Settings(env="test", data_dir=tmp_path, secret_key=TEST_SECRET,
                        elasticsearch_url=f"http://127.0.0.1:{unused_port}",
                        service_timeout_seconds=1)
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["search"]["status"] == "down"
    assert body["database"]["status"] == "ok"
