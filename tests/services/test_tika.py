"""Smoke tests: the server started by scripts/services.sh is a real Apache Tika."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.tika

# A PDF from the shared corpus and a sentence in it (checked with pypdf too).
PDF = Path("formats/pdf/testPDF.pdf")
PHRASE = (
    "Apache Tika is a toolkit for detecting and extracting metadata and structured text content"
)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_version_names_apache_tika(tika_url: str) -> None:
    response = httpx.get(f"{tika_url}/version", timeout=10)
    assert response.status_code == 200
    assert response.text.startswith("Apache Tika ")


def test_extracts_text_from_pdf(tika_url: str, corpus_dir: Path) -> None:
    response = httpx.put(
        f"{tika_url}/tika",
        content=(corpus_dir / PDF).read_bytes(),
        headers={"Accept": "text/plain", "Content-Type": "application/pdf"},
        timeout=120,
    )
    assert response.status_code == 200
    assert PHRASE in _squash(response.text)


def test_rmeta_returns_metadata_and_content(tika_url: str, corpus_dir: Path) -> None:
    response = httpx.put(
        f"{tika_url}/rmeta/text",
        content=(corpus_dir / PDF).read_bytes(),
        headers={"Accept": "application/json"},
        timeout=120,
    )
    assert response.status_code == 200
    documents = response.json()
    assert isinstance(documents, list) and documents
    assert documents[0]["Content-Type"] == "application/pdf"
    assert PHRASE in _squash(documents[0]["X-TIKA:content"])
