"""The one place that opens the search engine the settings choose."""

from __future__ import annotations

from app.core.settings import Settings
from search.engines import SearchEngine, open_engine


def open_search_engine(settings: Settings) -> SearchEngine:
    """Elasticsearch when CUSTODIA_ELASTICSEARCH_URL is set, else the embedded engine."""
    return open_engine(settings.elasticsearch_url, settings.data_dir / "search",
                       settings.index_name)
