"""Which text extractor is configured, and is it answering."""

from __future__ import annotations

import httpx


class ExtractorUnavailable(Exception):
    pass


def describe(tika_url: str) -> str:
    return "tika" if tika_url else "built-in"


def probe(tika_url: str, timeout: float) -> str:
    if not tika_url:
        return "built-in extractors"
    try:
        response = httpx.get(f"{tika_url.rstrip('/')}/version", timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ExtractorUnavailable(f"Tika at {tika_url} does not answer ({exc})") from exc
    return response.text.strip()
