"""Smoke tests: the node started by scripts/services.sh is a real Elasticsearch 8.

They go through the official Python client, which refuses to talk to anything
that does not identify itself as Elasticsearch (product header check).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

pytestmark = pytest.mark.elasticsearch


@pytest.fixture
def es(elasticsearch_url: str) -> Iterator[Elasticsearch]:
    client = Elasticsearch(elasticsearch_url, request_timeout=30)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def index_name(es: Elasticsearch) -> Iterator[str]:
    name = f"smoke-{uuid.uuid4().hex}"
    try:
        yield name
    finally:
        es.indices.delete(index=name, ignore_unavailable=True)


def test_info_reports_elasticsearch_8(es: Elasticsearch) -> None:
    assert es.ping()
    info = es.info()
    assert info["version"]["number"].startswith("8.")
    assert info["tagline"] == "You Know, for Search"
    assert es.cluster.health()["status"] in {"green", "yellow"}


def test_index_refresh_search_round_trip(es: Elasticsearch, index_name: str) -> None:
    es.indices.create(
        index=index_name,
        settings={"number_of_shards": 1, "number_of_replicas": 0},
        mappings={
            "properties": {
                "custodian": {"type": "keyword"},
                "body": {"type": "text"},
            }
        },
    )
    es.index(
        index=index_name,
        id="zoning",
        document={"custodian": "clerk", "body": "Minutes of the zoning board hearing on parcel 12"},
    )
    es.index(
        index=index_name,
        id="budget",
        document={"custodian": "mayor", "body": "Budget memo for the water department"},
    )
    es.indices.refresh(index=index_name)

    hits = es.search(index=index_name, query={"match": {"body": "zoning"}})["hits"]
    assert hits["total"]["value"] == 1
    assert hits["hits"][0]["_id"] == "zoning"

    hits = es.search(index=index_name, query={"term": {"custodian": "mayor"}})["hits"]
    assert [hit["_id"] for hit in hits["hits"]] == ["budget"]
    assert es.count(index=index_name)["count"] == 2


def test_extra_analysis_components(es: Elasticsearch, index_name: str) -> None:
    """english, asciifolding and html_strip come from scripts/services' custodia-es-extras."""
    es.indices.create(
        index=index_name,
        settings={
            "analysis": {
                "analyzer": {
                    "folded_html": {
                        "type": "custom",
                        "char_filter": ["html_strip"],
                        "tokenizer": "standard",
                        "filter": ["lowercase", "asciifolding"],
                    }
                }
            }
        },
    )
    tokens = es.indices.analyze(index=index_name, analyzer="folded_html", text="<p>Café Résumé</p>")
    assert [t["token"] for t in tokens["tokens"]] == ["cafe", "resume"]
    tokens = es.indices.analyze(analyzer="english", text="The hearings were running")
    assert [t["token"] for t in tokens["tokens"]] == ["hear", "were", "run"]
