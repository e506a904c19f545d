"""The protocol both engines satisfy, and the choice between them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from search.ast import Node
from search.documents import IndexDoc
from search.results import SearchPage, SearchSpec


class SearchEngine(Protocol):
    @property
    def name(self) -> str: ...

    def index(self, docs: Iterable[IndexDoc], version: int | None = None) -> dict[str, str]:
        """Add or replace documents; returns the refused ones' reasons by id."""

    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id, from every version the engine holds (purges)."""

    def count(self) -> int: ...

    def refresh(self) -> None:
        """Make what was indexed searchable now (tests and reindex only)."""

    def search(self, spec: SearchSpec) -> SearchPage:
        """One page of hits, the exact total and (if asked) the facets."""

    def matching(self, query: Node, zone: str) -> dict[str, str]:
        """Every matching document: id -> family id (term reports, saved-search counts)."""

    def current_version(self) -> int: ...

    def new_version(self) -> int: ...

    def activate(self, version: int) -> None: ...


def open_engine(elasticsearch_url: str, embedded_dir: Path, index_name: str) -> SearchEngine:
    if elasticsearch_url:
        from search.elastic import ElasticEngine

        return ElasticEngine(elasticsearch_url, alias=index_name)
    from search.embedded import EmbeddedEngine

    return EmbeddedEngine(embedded_dir)
