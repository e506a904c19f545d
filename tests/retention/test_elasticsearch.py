"""The same purge on Elasticsearch: the purged copies are gone from the index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import Role
from ingest.runtime import Runtime
from search.elastic import ElasticEngine
from tests.conftest import TEST_PASSWORD, MakeUser, find_phrase
from tests.retention.conftest import RunIngest, head
from tests.retention.test_runs import read_index_copies


@pytest.fixture
def settings(settings: Settings, elasticsearch_url: str, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"elasticsearch_url": elasticsearch_url,
                                       "index_name": f"test-retention-{tmp_path.name.lower()}"})


@pytest.fixture
def es_api(settings: Settings, database: Database, clock: FrozenClock,
           runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock)) as client:
        yield client
    engine = runtime.engine
    assert isinstance(engine, ElasticEngine)
    engine.client.indices.delete(index=f"{engine.alias}-v*", ignore_unavailable=True)


def test_purged_documents_leave_elasticsearch(
        es_api: TestClient, make_user: MakeUser, database: Database, runtime: Runtime,
        settings: Settings,
        run_ingest: RunIngest, mailbox: Path) -> None:
    assert isinstance(runtime.engine, ElasticEngine)
    run_ingest("mdelgado", mailbox)
    pothole = head(database, "Pothole list")
    assert find_phrase(runtime.engine, "Repave Elm street") == [str(pothole.id)]
    assert runtime.engine.count() == 4
    user = make_user(Role.admin)
    token = es_api.post("/api/v1/auth/token", data={"username": user.username,
                                                    "password": TEST_PASSWORD}).json()
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    stale = read_index_copies(database, settings)
    es_api.put("/api/v1/retention/schedules/email", headers=admin, json={"days": 1})
    dry = es_api.post("/api/v1/retention/runs", headers=admin, json={"dry_run": True})
    runtime.engine.refresh()
    assert dry.status_code == 201 and runtime.engine.count() == 4
    answer = es_api.post("/api/v1/retention/runs", headers=admin, json={})
    assert answer.status_code == 201, answer.text
    runtime.engine.refresh()
    assert find_phrase(runtime.engine, "Repave Elm street") == []
    assert find_phrase(runtime.engine, "street cost elm") == []
    kept = head(database, "Council agenda")
    assert find_phrase(runtime.engine, "Budget hearing tonight") == [str(kept.id)]
    assert runtime.engine.count() == 1
    assert runtime.engine.index(stale) == {}  # read before the purge, sent after it
    runtime.engine.refresh()
    assert runtime.engine.count() == 1
    found = es_api.post("/api/v1/search", headers=admin, json={"query": "elm OR parade"})
    assert found.status_code == 200 and found.json()["total"] == 0
