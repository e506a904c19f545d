"""HTML as PDF (WeasyPrint), loading nothing but one folder's own files.

The HTML comes from a template the city edits (letters) or from a document's own text
(productions), so it is hostile: WeasyPrint's URL fetcher is replaced by one that serves
files under one folder (app/static/letter, app/static/production) and data: URIs, and
refuses everything else: http, https, ftp, and any file outside.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

STATIC_DIR = (Path(__file__).resolve().parents[1] / "static").resolve()
LETTER_DIR = STATIC_DIR / "letter"


class FolderFiles(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """WeasyPrint's fetcher, locked to one folder; `refused` lists what it turned away."""

    def __init__(self, folder: Path) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
        self.folder = folder.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":  # decoded by urllib's DataHandler: no I/O
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = local_file(unquote(parts.path), self.folder)
            if path is not None:
                media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})
        self.refused.append(url)
        raise ValueError(f"A {self.folder.name} may only use files from its own folder, not {url}")


class LetterFiles(FolderFiles):
    """The fetcher for letters: app/static/letter only."""

    def __init__(self) -> None:
        super().__init__(LETTER_DIR)


def local_file(path: str, folder: Path = LETTER_DIR) -> Path | None:
    """The file a path names if it is inside the folder (symlinks followed), else None."""
    resolved = Path(path).resolve()
    if resolved.is_relative_to(folder) and resolved.is_file():
        return resolved
    return None


def html_to_pdf(html: str, fetcher: LetterFiles | None = None) -> bytes:
    """The PDF of a letter; relative links (`letter.css`) name files in the letter folder."""
    document = HTML(string=html, base_url=LETTER_DIR.as_uri() + "/", url_fetcher=fetcher or LetterFiles())
    pdf: bytes = document.write_pdf()
    return pdf
