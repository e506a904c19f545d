"""The protocol both engines satisfy, and the choice between them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from search.documents import IndexDoc


class SearchEngine(Protocol):
    @property
    def name(self) -> str: ...

    def index(self, docs: Iterable[IndexDoc], version: int | None = None) -> dict[str, str]: ...

    def count(self) -> int: ...

    def refresh(self) -> None:
        """Make what was indexed searchable now (tests and reindex only)."""

    def find_phrase(self, phrase: str, limit: int = 1000) -> list[str]: ...

    def current_version(self) -> int: ...

    def new_version(self) -> int: ...

    def activate(self, version: int) -> None: ...


def open_engine(elasticsearch_url: str, embedded_dir: Path, index_name: str) -> SearchEngine:
    if elasticsearch_url:
        from search.elastic import ElasticEngine

        return ElasticEngine(elasticsearch_url, alias=index_name)
    from search.embedded import EmbeddedEngine

    return EmbeddedEngine(embedded_dir)
