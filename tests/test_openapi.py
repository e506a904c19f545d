import json
from fnmatch import fnmatch

from app.openapi import COMMITTED, render


def test_the_committed_openapi_document_matches_the_app() -> None:
    assert COMMITTED.read_text() == render(), (
        "openapi/openapi.json is stale: run `python -m app.openapi` and commit it"
    )


def documented(method: str, path: str, content_type: str, status: str = "200") -> bool:
    """Whether the committed document gives `content_type` (or a range holding it) as an
    answer of the operation."""
    operation = json.loads(COMMITTED.read_text())["paths"][path][method.lower()]
    media = content_type.split(";")[0].strip()
    return any(fnmatch(media, given) for given in operation["responses"][status].get("content", {}))


def test_documented_media_types_hold_ranges() -> None:
    assert documented("GET", "/api/v1/documents/{document_id}/native", "audio/wav")
    assert not documented("GET", "/api/v1/audit/export", "application/json")
