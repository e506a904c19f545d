from app.openapi import COMMITTED, render


def test_the_committed_openapi_document_matches_the_app() -> None:
    assert COMMITTED.read_text() == render(), (
        "openapi/openapi.json is stale: run `python -m app.openapi` and commit it"
    )
