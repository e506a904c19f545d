"""A letter's HTML as PDF (WeasyPrint), loading nothing but the letter folder's own files.

The HTML comes from a template the city edits, so it is hostile too: WeasyPrint's
URL fetcher is replaced by one that serves files under app/static/letter (and
data: URIs) and refuses everything else: http, https, ftp, and any file outside.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

LETTER_DIR = (Path(__file__).resolve().parents[1] / "static" / "letter").resolve()


class LetterFiles(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """WeasyPrint's fetcher, locked to the letter folder; `refused` lists what it turned away."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":  # decoded by urllib's DataHandler: no I/O
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = local_file(unquote(parts.path))
            if path is not None:
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
        self.refused.append(url)
        raise ValueError(f"A letter may only use files from its own folder, not {url}")


def local_file(path: str) -> Path | None:
    """The file a path names if it is inside the letter folder (symlinks followed), else None."""
    resolved = Path(path).resolve()
    if resolved.is_relative_to(LETTER_DIR) and resolved.is_file():
        return resolved
    return None


def html_to_pdf(html: str, fetcher: LetterFiles | None = None) -> bytes:
    """The PDF of a letter; relative links (`letter.css`) name files in the letter folder."""
    document = HTML(string=html, base_url=LETTER_DIR.as_uri() + "/", url_fetcher=fetcher or LetterFiles())
    pdf: bytes = document.write_pdf()
    return pdf
