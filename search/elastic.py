"""Elasticsearch: versioned indices behind one alias, bulk writes with per-item failures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from elasticsearch import Elasticsearch, helpers
from elasticsearch import exceptions as es_errors

from search.documents import IndexDoc, IndexUnavailable

ALIAS = "custodia-documents"
_TEXT = {"type": "text"}
_KEYWORD = {"type": "keyword"}
MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": _KEYWORD, "family_id": _KEYWORD, "parent_id": _KEYWORD, "kind": _KEYWORD,
        "custodians": _KEYWORD, "subject": _TEXT, "body": _TEXT,
        "sender": {"type": "text", "fields": {"raw": _KEYWORD}},
        "to": {"type": "text", "fields": {"raw": _KEYWORD}},
        "cc": {"type": "text", "fields": {"raw": _KEYWORD}},
        "bcc": {"type": "text", "fields": {"raw": _KEYWORD}},
        "date": {"type": "date"}, "filename": {"type": "text", "fields": {"raw": _KEYWORD}},
        "content_type": _KEYWORD, "has_attachment": {"type": "boolean"}, "thread_id": _KEYWORD,
    },
}


class ElasticEngine:
    def __init__(self, url: str, alias: str = ALIAS, timeout: float = 30.0) -> None:
        self.client = Elasticsearch(url, request_timeout=timeout, retry_on_timeout=True,
                                    max_retries=3)
        self.alias = alias

    @property
    def name(self) -> str:
        return "elasticsearch"

    def _index_name(self, version: int) -> str:
        return f"{self.alias}-v{version}"

    def current_version(self) -> int:
        try:
            names = list(self.client.indices.get_alias(name=self.alias).keys())
        except es_errors.NotFoundError:
            return 0
        return max(int(n.rsplit("-v", 1)[1]) for n in names)

    def _ensure(self) -> str:
        version = self.current_version()
        if version == 0:
            version = self.new_version()
            self.activate(version)
        return self._index_name(version)

    def index(self, docs: Iterable[IndexDoc], version: int | None = None) -> dict[str, str]:
        try:
            target = self._index_name(version) if version else self._ensure()
            actions = ({"_index": target, "_id": d.id, "_source": d.as_dict()} for d in docs)
            failures: dict[str, str] = {}
            for ok, result in helpers.streaming_bulk(
                self.client, actions, chunk_size=500, max_retries=3, raise_on_error=False,
                raise_on_exception=False,
            ):
                if not ok:
                    detail = result.get("index", {})
                    failures[str(detail.get("_id"))] = str(detail.get("error"))[:500]
            return failures
        except (es_errors.ConnectionError, es_errors.ConnectionTimeout) as exc:
            raise IndexUnavailable(f"Elasticsearch unreachable: {type(exc).__name__}") from exc

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.alias)

    def count(self) -> int:
        return int(self.client.count(index=self.alias)["count"])

    def find_phrase(self, phrase: str, limit: int = 1000) -> list[str]:
        query = {"multi_match": {"query": phrase, "type": "phrase",
                                 "fields": ["subject", "body", "sender", "to", "cc", "bcc",
                                            "filename"]}}
        response = self.client.search(index=self.alias, query=query, size=limit, source=False)
        return [hit["_id"] for hit in response["hits"]["hits"]]

    def new_version(self) -> int:
        version = self.current_version() + 1
        name = self._index_name(version)
        if self.client.indices.exists(index=name):
            self.client.indices.delete(index=name)
        self.client.indices.create(index=name, mappings=MAPPING,
                                   settings={"number_of_replicas": 0})
        return version

    def activate(self, version: int) -> None:
        """Point the alias at `version` in one atomic step, then drop older versions."""
        name = self._index_name(version)
        actions: list[dict[str, Any]] = [{"add": {"index": name, "alias": self.alias}}]
        try:
            old = [n for n in self.client.indices.get_alias(name=self.alias) if n != name]
        except es_errors.NotFoundError:
            old = []
        actions += [{"remove": {"index": n, "alias": self.alias}} for n in old]
        self.client.indices.update_aliases(actions=actions)
        for index in old:
            self.client.indices.delete(index=index)
