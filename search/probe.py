"""Which search engine is configured, and is it answering."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_errors


class SearchUnavailable(Exception):
    pass


def node_urls(elasticsearch_url: str) -> list[str]:
    """The cluster's nodes: one URL, or several separated by commas (the client fails over)."""
    return [url.strip() for url in elasticsearch_url.split(",") if url.strip()]


def without_credentials(elasticsearch_url: str) -> str:
    """The URL(s) as they may be shown: health answers and logs must not leak a password."""
    return ",".join(_one_without_credentials(url) for url in node_urls(elasticsearch_url))


def _one_without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def describe(elasticsearch_url: str) -> str:
    return "elasticsearch" if elasticsearch_url else "embedded"


def probe(elasticsearch_url: str, timeout: float) -> str:
    """A one-line description of the live engine; raises SearchUnavailable when it does not answer."""
    if not elasticsearch_url:
        return _probe_embedded()
    client = Elasticsearch(node_urls(elasticsearch_url), request_timeout=timeout, max_retries=0)
    try:
        info = client.info()
        health = client.cluster.health()
    except (es_errors.ConnectionError, es_errors.TransportError, es_errors.ApiError) as exc:
        raise SearchUnavailable(
            f"Elasticsearch at {without_credentials(elasticsearch_url)} does not answer "
            f"({type(exc).__name__})"
        ) from exc
    finally:
        client.close()
    return f"Elasticsearch {info['version']['number']}, cluster {health['status']}"


def _probe_embedded() -> str:
    with sqlite3.connect(":memory:") as connection:
        try:
            connection.execute("CREATE VIRTUAL TABLE probe USING fts5(body)")
        except sqlite3.OperationalError as exc:
            raise SearchUnavailable("this Python's SQLite lacks the FTS5 extension") from exc
    return f"embedded SQLite FTS5 (SQLite {sqlite3.sqlite_version})"
