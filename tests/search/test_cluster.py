"""Scale-out for real: a two-node Elasticsearch cluster keeps answering when a node stops.

Two processes of the same distribution (scripts/services.sh, each with its own state
directory and ports) discover each other on loopback. The first node bootstraps the
cluster and holds the master role; the second is a data node, so stopping it leaves a
quorum and exercises what matters here: the shard's replica on the surviving node takes
over, and the client, given both nodes' URLs, fails over to it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.settings import Settings
from app.demo.generator import generate
from search.elastic import ElasticEngine
from search.query import parse
from search.results import SearchSpec
from tests.conftest import TEST_SECRET
from tests.ingest.test_scaled import ingest_with

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "services.sh"
QUERIES = ("type:email", "type:attachment", "budget*", "meeting OR schedule", "council")
ZONE = "America/Denver"


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Node:
    def __init__(self, root: Path, name: str, http: int, transport: int, env: dict[str, str]):
        self.url = f"http://127.0.0.1:{http}"
        self.env = {**os.environ, "CUSTODIA_SERVICES_DIR": str(root / name),
                    "CUSTODIA_ES_PORT": str(http), "CUSTODIA_ES_NODE": name,
                    "CUSTODIA_ES_TRANSPORT_PORT": str(transport),
                    "CUSTODIA_ES_JAVA_OPTS": "-Xms256m -Xmx512m", **env}

    def services(self, action: str) -> None:
        done = subprocess.run([str(SERVICES), action, "elasticsearch"], env=self.env,
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def cluster(tmp_path: Path, elasticsearch_url: str) -> Iterator[tuple[Node, Node]]:
    # elasticsearch_url: the suite's node runs, so the distribution is fetched and built.
    # The nodes' state lives where the unprivileged service user can reach it (pytest's
    # tmp_path is private to root) and goes afterwards: each node unpacks a whole server.
    root = Path(tempfile.mkdtemp(prefix="custodia-cluster-"))
    root.chmod(0o755)
    http_a, transport_a, http_b, transport_b = free_ports(4)
    shared = {"CUSTODIA_ES_CLUSTER": f"custodia-{tmp_path.name.lower()}",
              "CUSTODIA_ES_SEED_HOSTS": f"127.0.0.1:{transport_a}"}
    first = Node(root, "node-a", http_a, transport_a,
                 {**shared, "CUSTODIA_ES_INITIAL_MASTER": "node-a"})
    second = Node(root, "node-b", http_b, transport_b,
                  {**shared, "CUSTODIA_ES_ROLES": "data, ingest"})
    try:
        first.services("up")
        second.services("up")
        yield first, second
    finally:
        second.services("down")
        first.services("down")
        shutil.rmtree(root)


def totals(engine: ElasticEngine) -> dict[str, int]:
    return {q: engine.search(SearchSpec(parse(q), ZONE, size=1, facets=False)).total
            for q in QUERIES}


def test_search_answers_the_same_totals_after_a_node_stops(
    tmp_path: Path, cluster: tuple[Node, Node],
) -> None:
    first, second = cluster
    generate(tmp_path / "demo", messages=60)
    (tmp_path / "data").mkdir()
    settings = Settings(env="test", data_dir=tmp_path / "data", secret_key=TEST_SECRET,
                        elasticsearch_url=f"{second.url}, {first.url}", index_name="cluster-test")
    runtime = ingest_with(settings, tmp_path / "demo" / "mail")
    engine = runtime.engine
    assert isinstance(engine, ElasticEngine)
    health = engine.client.cluster.health(wait_for_status="green", timeout="60s")
    assert health["number_of_nodes"] == 2 and health["status"] == "green"
    index = f"{engine.alias}-v{engine.current_version()}"
    shards = engine.client.cat.shards(index=index, format="json")
    assert sorted(s["prirep"] for s in shards) == ["p", "r"]  # one replica ...
    assert {s["node"] for s in shards} == {"node-a", "node-b"}  # ... on the other node
    engine.refresh()
    before = totals(engine)
    assert before["type:email"] >= 60 and before["type:attachment"] > 0
    assert sum(before.values()) > before["type:email"] + before["type:attachment"]

    second.services("down")  # the node the client's first URL names

    health = engine.client.cluster.health(wait_for_nodes="1", timeout="60s")
    assert health["number_of_nodes"] == 1
    assert totals(engine) == before
    survivors = engine.client.cat.shards(index=index, format="json")
    assert [(s["prirep"], s["node"], s["state"]) for s in survivors if s["state"] == "STARTED"] \
        == [("p", "node-a", "STARTED")]
