"""Elasticsearch: versioned indices behind one alias, bulk writes with per-item failures.

Each version is an index `<alias>-v<N>`; a reindex builds the next version beside
the live one and `activate` moves the alias in one atomic step. The text fields
hold the token streams of search.analysis and are split on whitespace only, so
a word means the same here as in the embedded engine (search.elastic_query).
The database keeps the original text: the streams are left out of `_source`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from http import HTTPStatus
from typing import Any

from elasticsearch import Elasticsearch, helpers
from elasticsearch import exceptions as es_errors

from search.ast import TEXT_FIELDS, Node
from search.documents import IndexDoc, IndexUnavailable
from search.elastic_query import compile_query
from search.probe import node_urls
from search.results import (
    FACET_SIZE,
    FACETS,
    SORTS,
    BadCursor,
    Hit,
    IndexOutdated,
    QueryTooBroad,
    SearchError,
    SearchPage,
    SearchSpec,
    sorted_facet,
)

ALIAS = "custodia-documents"
PURGED_VERSION = 2**62  # a purged document's tombstone: above every generation
# sender_address, recipient_addresses: exact, for aggregations and look-ups; the query
# language searches the address words (sender, to, ...) on both engines alike
KEYWORD_FIELDS = ("id", "family_id", "parent_id", "kind", "custodians", "month", "sender_domain",
                  "sender_address", "recipient_addresses", "content_type", "thread_id",
                  "near_duplicate_group")
ANALYZER = "custodia_tokens"
SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,  # one shard: exact facet counts and a single scoring space
    # a copy of the shard on a second node as soon as there is one: a node can fail
    "auto_expand_replicas": "0-1",
    "analysis": {
        "tokenizer": {"custodia_spaces": {"type": "whitespace", "max_token_length": 255}},
        "analyzer": {ANALYZER: {"type": "custom", "tokenizer": "custodia_spaces", "filter": []}},
    },
}
LAYOUT = 5  # bump when MAPPING or SETTINGS change: an index of another layout must be rebuilt
MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"custodia_layout": LAYOUT},
    "_source": {"excludes": list(TEXT_FIELDS)},
    "properties": {
        **{name: {"type": "keyword"} for name in KEYWORD_FIELDS},
        **{name: {"type": "text", "analyzer": ANALYZER} for name in TEXT_FIELDS},
        "date": {"type": "date"},
        "has_attachment": {"type": "boolean"},
        "inclusive": {"type": "boolean"},
    },
}
FACET_FIELDS = {"custodian": "custodians", "type": "kind", "month": "month",
                "sender_domain": "sender_domain"}
SORT_CLAUSES: dict[str, list[dict[str, Any]]] = {
    "relevance": [{"_score": "desc"}, {"id": "asc"}],
    "newest": [{"date": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
    "oldest": [{"date": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
}
HIT_FIELDS = ["id", "family_id", "parent_id", "kind"]
KEEP_ALIVE = "5m"  # how long a clerk may pause between two pages
MAX_PAGE = 9999  # one more hit than the page is fetched, within max_result_window
MATCHING_PAGE = 10000
_TOO_BROAD = ("maxClauseCount", "too_many_clauses", "too_many_nested_clauses")


def document(doc: IndexDoc) -> dict[str, Any]:
    """What ES stores for `doc`: metadata as is (empty values left out) and the token streams."""
    body: dict[str, Any] = {}
    for name in KEYWORD_FIELDS:
        value = getattr(doc, name)
        if isinstance(value, list):
            value = [v for v in value if v]
        if value:
            body[name] = value
    if doc.date:
        body["date"] = doc.date
    body["has_attachment"] = doc.has_attachment
    if doc.inclusive is not None:
        body["inclusive"] = doc.inclusive
    body.update({name: text for name, text in doc.streams().items() if text})
    return body


def encode_cursor(sort: str, after: list[Any], pit: str | None) -> str:
    raw = json.dumps({"sort": sort, "after": after, "pit": pit}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[list[Any], str | None]:
    """(search_after values, point-in-time id) of a cursor made by encode_cursor for `sort`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise BadCursor("This page link is damaged; run the search again") from exc
    after = data.get("after") if isinstance(data, dict) else None
    pit = data.get("pit") if isinstance(data, dict) else None
    if not isinstance(after, list) or not after or not (pit is None or isinstance(pit, str)):
        raise BadCursor("This page link is damaged; run the search again")
    if data.get("sort") != sort:
        raise BadCursor("This page link belongs to another sort order; run the search again")
    return after, pit


def _too_broad(error: es_errors.ApiError) -> bool:
    return any(marker in json.dumps(error.body) for marker in _TOO_BROAD)


class ElasticEngine:
    def __init__(self, url: str, alias: str = ALIAS, timeout: float = 30.0) -> None:
        self.client = Elasticsearch(node_urls(url), request_timeout=timeout, retry_on_timeout=True,
                                    max_retries=3)
        self.alias = alias
        self._layout_checked = False

    @property
    def name(self) -> str:
        return "elasticsearch"

    def _check_layout(self) -> None:
        """Refuse to search or write an index another version of Custodia laid out.

        Its analysis differs, so its answers would silently differ from the embedded
        engine's; a reindex builds the current layout beside it and switches.
        """
        if self._layout_checked:
            return
        try:
            mappings = self.client.indices.get_mapping(index=self.alias)
        except es_errors.NotFoundError:
            return  # nothing indexed yet: the first write creates the current layout
        for body in mappings.values():
            if body["mappings"].get("_meta", {}).get("custodia_layout") != LAYOUT:
                raise IndexOutdated("The search index was built by an older version of Custodia; "
                                  "rebuild it with `custodia reindex`")
        self._layout_checked = True

    @contextmanager
    def _errors(self, paging: bool = False) -> Iterator[None]:
        """ES failures as the errors callers handle; `paging`: the request used a cursor."""
        try:
            yield
        except (es_errors.ConnectionError, es_errors.ConnectionTimeout) as exc:
            raise IndexUnavailable(f"Elasticsearch unreachable: {type(exc).__name__}") from exc
        except es_errors.ApiError as exc:
            if _too_broad(exc):
                raise QueryTooBroad(
                    "A wildcard in this proximity or phrase search matches too many different "
                    "words; make it more specific (more letters before the * or ?)") from exc
            if paging and exc.meta.status in (400, 404):
                raise BadCursor("These results have expired or the page link is not valid; "
                                "run the search again") from exc
            raise

    # ------------------------------------------------------------ versions

    def _index_name(self, version: int) -> str:
        return f"{self.alias}-v{version}"

    def current_version(self) -> int:
        with self._errors():
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

    def new_version(self) -> int:
        """Create the next version's empty index (replacing a half-built one)."""
        with self._errors():
            version = self.current_version() + 1
            name = self._index_name(version)
            self.client.indices.delete(index=name, ignore_unavailable=True)
            self.client.indices.create(index=name, mappings=MAPPING, settings=SETTINGS)
        return version

    def activate(self, version: int) -> None:
        """Point the alias at `version` in one atomic step, then drop older versions."""
        name = self._index_name(version)
        actions: list[dict[str, Any]] = [{"add": {"index": name, "alias": self.alias}}]
        with self._errors():
            try:
                old = [n for n in self.client.indices.get_alias(name=self.alias) if n != name]
            except es_errors.NotFoundError:
                old = []
            actions += [{"remove": {"index": n, "alias": self.alias}} for n in old]
            self.client.indices.update_aliases(actions=actions)
            for index in old:
                self.client.indices.delete(index=index)

    # ------------------------------------------------------------- writing

    def index(self, docs: Iterable[IndexDoc], version: int | None = None) -> dict[str, str]:
        """Add or replace documents; returns the refused ones' reasons by id."""
        with self._errors():
            if not version:
                self._check_layout()
            target = self._index_name(version) if version else self._ensure()
            # external_gte: a copy older than the one held is refused (409) and that is fine.
            actions = ({"_index": target, "_id": d.id, "_version": d.version,
                        "_version_type": "external_gte", "_source": document(d)} for d in docs)
            failures: dict[str, str] = {}
            for ok, result in helpers.streaming_bulk(
                self.client, actions, chunk_size=500, max_retries=3, raise_on_error=False,
                raise_on_exception=False,
            ):
                detail = result.get("index", {})
                if not ok and detail.get("status") != HTTPStatus.CONFLICT:
                    failures[str(detail.get("_id"))] = str(detail.get("error"))[:500]
            return failures

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents from every version's index (the live one and one a reindex is
        building). Bulk deletes, not delete-by-query: that needs the reindex module, which
        a minimal cluster lacks. A document already gone is fine."""
        wanted = sorted(set(ids))
        if not wanted:
            return
        with self._errors():
            indices = sorted(self.client.indices.get(
                index=f"{self.alias}-v*", ignore_unavailable=True, allow_no_indices=True))
            # An external version above any generation: the tombstone refuses a copy an
            # indexer pass read before the purge and sends after it (for gc_deletes, 60 s).
            actions = ({"_op_type": "delete", "_index": index, "_id": i,
                        "_version": PURGED_VERSION, "_version_type": "external"}
                       for index in indices for i in wanted)
            failures = []
            for ok, result in helpers.streaming_bulk(
                self.client, actions, chunk_size=1000, max_retries=3, raise_on_error=False,
                raise_on_exception=False,
            ):
                detail = result.get("delete", {})
                if not ok and detail.get("status") not in (HTTPStatus.NOT_FOUND,
                                                           HTTPStatus.CONFLICT):
                    failures.append(f"{detail.get('_id')}: {detail.get('error')}")
        if failures:
            raise IndexUnavailable(f"Elasticsearch did not delete {len(failures)} documents, "
                                   f"e.g. {failures[0][:300]}")

    def refresh(self) -> None:
        with self._errors():
            self.client.indices.refresh(index=self.alias, ignore_unavailable=True)

    def count(self) -> int:
        with self._errors():
            response = self.client.count(index=self.alias, ignore_unavailable=True)
        return int(response["count"])

    # ----------------------------------------------------------- searching

    def _open_pit(self) -> str:
        response = self.client.open_point_in_time(index=self.alias, keep_alive=KEEP_ALIVE)
        return str(response["id"])

    def _close_pit(self, pit: str) -> None:
        """Free a point in time now rather than at keep-alive; failing here harms no one."""
        with suppress(es_errors.ApiError, es_errors.TransportError):
            self.client.close_point_in_time(id=pit)

    def request_body(self, spec: SearchSpec) -> dict[str, Any]:
        """A page's search body (bench/search.py sends the same straight to ES)."""
        request: dict[str, Any] = {
            "query": compile_query(spec.query, spec.zone, self.alias),
            "sort": SORT_CLAUSES[spec.sort],
            "size": spec.size + 1,  # the extra hit tells whether there is a next page
            "track_total_hits": True, "_source": {"includes": HIT_FIELDS},
        }
        if spec.facets:
            request["aggs"] = {name: {"terms": {
                "field": FACET_FIELDS[name], "size": FACET_SIZE[name],
                "order": [{"_count": "desc"}, {"_key": "asc"}]}} for name in FACETS}
        return request

    def search(self, spec: SearchSpec) -> SearchPage:
        """One page. The first is a plain search; later ones share one point in time."""
        if spec.sort not in SORTS:
            raise SearchError(f"Unknown sort '{spec.sort}'; use one of {', '.join(SORTS)}")
        if not 0 <= spec.size <= MAX_PAGE:
            raise SearchError(f"A page holds between 0 and {MAX_PAGE} hits")
        with self._errors():
            self._check_layout()
        request = self.request_body(spec)
        request["source"] = request.pop("_source")  # the client's name for it
        pit: str | None = None
        if spec.cursor is None:
            with self._errors():
                response = self.client.search(**request, index=self.alias, ignore_unavailable=True)
        else:
            response, pit = self._next_page(request, *decode_cursor(spec.cursor, spec.sort))
        hits = response["hits"]["hits"]
        cursor = None
        if spec.size and len(hits) > spec.size:
            cursor = encode_cursor(spec.sort, hits[spec.size - 1]["sort"], pit)
        elif pit is not None:
            self._close_pit(pit)
        return SearchPage(
            total=int(response["hits"]["total"]["value"]),
            hits=[_hit(h) for h in hits[:spec.size]],
            facets=_facets(response) if spec.facets else {},
            cursor=cursor,
        )

    def _next_page(self, request: dict[str, Any], after: list[Any],
                   pit: str | None) -> tuple[Any, str]:
        """Run `request` after `after` in the cursor's point in time (opened on page two)."""
        with self._errors(paging=True):
            opened = pit is None
            pit = pit or self._open_pit()
            try:
                response = self.client.search(
                    **request, search_after=after, pit={"id": pit, "keep_alive": KEEP_ALIVE})
            except Exception:
                if opened:
                    self._close_pit(pit)
                raise
        return response, str(response.get("pit_id", pit))

    def matching(self, query: Node, zone: str) -> dict[str, str]:
        """Every match id -> family id, read in large pages from one point in time."""
        found: dict[str, str] = {}
        constant = {"constant_score": {"filter": compile_query(query, zone, self.alias)}}
        with self._errors():
            self._check_layout()
            try:
                pit = self._open_pit()
            except es_errors.NotFoundError:
                return found  # nothing indexed yet
            try:
                after: list[Any] | None = None
                while True:
                    response = self.client.search(
                        query=constant, pit={"id": pit, "keep_alive": KEEP_ALIVE},
                        sort=[{"_shard_doc": "asc"}], size=MATCHING_PAGE, search_after=after,
                        track_total_hits=False, source={"includes": ["family_id"]})
                    pit = response.get("pit_id", pit)
                    hits = response["hits"]["hits"]
                    found.update((h["_id"], h["_source"]["family_id"]) for h in hits)
                    if len(hits) < MATCHING_PAGE:
                        return found
                    after = hits[-1]["sort"]
            finally:
                self._close_pit(pit)


def _hit(hit: dict[str, Any]) -> Hit:
    source = hit["_source"]
    return Hit(id=hit["_id"], family_id=source["family_id"], parent_id=source.get("parent_id"),
               kind=source["kind"], score=hit.get("_score"))


def _facets(response: Any) -> dict[str, list[tuple[str, int]]]:
    """Facets in the order both engines use; none when no index exists yet."""
    aggregations = response.get("aggregations", {})
    return {name: sorted_facet({b["key"]: b["doc_count"]
                                for b in aggregations.get(name, {}).get("buckets", [])}, name)
            for name in FACETS}
