"""Apache Tika server as an extractor: one PUT to /rmeta/text, turned into a tree.

Tika's recursive-metadata endpoint answers with a flat JSON list: the container
first, then every embedded document in depth-first *post*-order (a zip's docx comes
after the docx's own images). Each embedded item carries X-TIKA:embedded_id_path
("/1/2/3": unique numbers) and X-TIKA:embedded_resource_path ("/inner.zip/b.docx/
image1.emf": names). Nesting uses the id path, because resource paths are not
unique: two zip members "t.txt" and "dup/t.txt" both become "/t.txt".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from ingest.extract import detect, scanned
from ingest.extract.base import Embedded, Extracted, ExtractionError
from ingest.extract.text import tidy

_CONTENT = "X-TIKA:content"
_ID_PATH = "X-TIKA:embedded_id_path"
_RESOURCE_PATH = "X-TIKA:embedded_resource_path"
_CONTAINER_EXCEPTION = "X-TIKA:EXCEPTION:container_exception"
# Tika key(s) -> our metadata key, first non-empty wins; the same keys the built-in uses.
_METADATA: dict[str, tuple[str, ...]] = {
    "title": ("dc:title",),
    "author": ("dc:creator", "meta:author"),
    "last_author": ("meta:last-author",),
    "created": ("dcterms:created",),
    "modified": ("dcterms:modified",),
    "subject": ("dc:subject",),
    "page_count": ("xmpTPg:NPages", "meta:page-count"),
    "slide_count": ("meta:slide-count",),
    "encrypted": ("X-TIKA:encrypted",),
}
_WARNING_PREFIXES = ("X-TIKA:EXCEPTION:", "X-TIKA:WARN:")
_VERSION = re.compile(r"(\d+(?:\.\d+)+\S*)")


class TikaClient:
    """A client for one Tika server. Thread-safe; call close() (or use `with`) when done."""

    def __init__(
        self, url: str, timeout: float = 120.0, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        """`transport` is for tests that need a server answering 5xx, 422 or nonsense."""
        self.url = url.rstrip("/")
        self.timeout = timeout
        # A dead server should fail fast; a big document may legitimately take `timeout`.
        limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._http = httpx.Client(timeout=limits, transport=transport)
        self._version: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TikaClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def version(self) -> str:
        """The server's version, e.g. '3.3.2' (asked once, then remembered)."""
        if self._version is None:
            response = self._request("GET", "/version", headers={"Accept": "text/plain"})
            text = response.text.strip()
            match = _VERSION.search(text)
            self._version = match.group(1) if match else text
        return self._version

    def extract(
        self, data: bytes, filename: str | None = None, declared_type: str | None = None
    ) -> Extracted:
        """Text, metadata and the embedded documents' own extractions, as one tree.

        This server runs no OCR: an image or a PDF it finds no text in is read by OCR
        here (ingest.extract.scanned), when tesseract is installed."""
        extractor = f"tika {self.version()}"
        headers = _headers(data, filename, declared_type)
        response = self._request("PUT", "/rmeta/text", content=data, headers=headers)
        try:
            items = response.json()
        except ValueError as exc:
            raise ExtractionError(f"Tika answered with invalid JSON: {exc}", retryable=True) from exc
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise ExtractionError("Tika answered with an unexpected JSON shape", retryable=True)
        return scanned.with_ocr(_tree(items, extractor), data)

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, self.url + path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ExtractionError(f"Tika timed out after {self.timeout:g}s ({type(exc).__name__})",
                                  retryable=True) from exc
        except httpx.HTTPError as exc:  # connection refused, reset, protocol error...
            raise ExtractionError(f"Tika at {self.url} is unreachable: {type(exc).__name__}: {exc}",
                                  retryable=True) from exc
        status = response.status_code
        if status >= 500 or status == 429:
            raise ExtractionError(f"Tika server error {status}: {_snippet(response)}", retryable=True)
        if status in (415, 422):
            what = "unsupported" if status == 415 else "unparseable"
            raise ExtractionError(f"Tika: {what} document (HTTP {status}): {_snippet(response)}")
        if status >= 400:
            raise ExtractionError(f"Tika refused the request (HTTP {status}): {_snippet(response)}")
        return response


def _headers(data: bytes, filename: str | None, declared_type: str | None) -> dict[str, str]:
    headers = {
        "Accept": "application/json",
        # Tika takes a request Content-Type as an override and skips its own detection, so
        # a sender's wrong label (a .docx sent as application/pdf) would break parsing.
        # Pass the declared type only when the bytes do not contradict it.
        "Content-Type": _type_hint(data, declared_type),
        "X-Tika-PDFOcrStrategy": "no_ocr",
        "X-Tika-OCRskipOcr": "true",
    }
    if filename:
        # RFC 6266 filename*: Tika decodes it, while it mangles quoted names with '"' in them.
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
    return headers


def _type_hint(data: bytes, declared_type: str | None) -> str:
    declared = detect.base_type(declared_type)
    if not declared or declared == detect.OCTET_STREAM:
        return detect.OCTET_STREAM
    sniffed = detect.sniff(data)
    return declared if sniffed is None or sniffed == declared else detect.OCTET_STREAM


def _snippet(response: httpx.Response) -> str:
    return " ".join(response.text.split())[:200] or response.reason_phrase


# -- the tree ------------------------------------------------------------------------------


def _tree(items: list[dict[str, Any]], extractor: str) -> Extracted:
    container = items[0]
    exception = _first_line(_string(container.get(_CONTAINER_EXCEPTION)))
    if exception and "ZeroByteFileException" in exception:
        # An empty file is not a broken one: the built-in extractor says the same.
        return Extracted(text="", content_type=_content_type(container),
                         metadata={"warning": "empty file"}, extractor=extractor)
    root = _node(container, extractor)
    if exception and not root.text.strip():
        encrypted = root.metadata.get("encrypted") == "true" or "Encrypted" in exception
        raise ExtractionError(f"{'encrypted document: ' if encrypted else ''}Tika: {exception}")
    _attach_children(root, items[1:], extractor)
    return root


def _attach_children(root: Extracted, embedded: list[dict[str, Any]], extractor: str) -> None:
    by_id: dict[str, Embedded] = {}
    ordered: list[tuple[list[int], str, Embedded]] = []
    for position, item in enumerate(embedded):
        key = _string(item.get(_ID_PATH)) or _string(item.get(_RESOURCE_PATH)) or f"/#{position}"
        child = Embedded(name=_name(item, position), data=None, extracted=_node(item, extractor),
                         content_type=_content_type(item))
        by_id[key] = child
        ordered.append((_sort_key(key, position), key, child))
    # Post-order in, document order out: sort by the numeric id path.
    for _, key, child in sorted(ordered, key=lambda entry: entry[0]):
        parent_key = key.rsplit("/", 1)[0]
        parent = by_id.get(parent_key)
        target = parent.extracted if parent is not None and parent.extracted is not None else root
        target.children.append(child)


def _sort_key(key: str, position: int) -> list[int]:
    numbers = [int(part) for part in key.strip("/").split("/") if part.isdigit()]
    return numbers or [1 << 30, position]


def _node(item: dict[str, Any], extractor: str) -> Extracted:
    return Extracted(
        text=tidy(_string(item.get(_CONTENT))),
        content_type=_content_type(item),
        metadata=_metadata(item),
        extractor=extractor,
    )


def _name(item: dict[str, Any], position: int) -> str:
    """resourceName keeps a zip member's folder ("sub/b.docx"); the path has only the base name."""
    name = _string(item.get("resourceName"))
    if name:
        return name
    path = _string(item.get(_RESOURCE_PATH))
    return path.rsplit("/", 1)[-1] if path else f"embedded-{position + 1}"


def _content_type(item: dict[str, Any]) -> str:
    return detect.base_type(_string(item.get("Content-Type"))) or detect.OCTET_STREAM


def _metadata(item: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for ours, theirs in _METADATA.items():
        for key in theirs:
            value = _string(item.get(key))
            if value:
                found[ours] = value
                break
    for key, value in item.items():
        if key.startswith(_WARNING_PREFIXES):
            found[key] = _first_line(_string(value))  # the Java stack trace is noise here
    return found


def _string(value: Any) -> str:
    """Tika gives a string, or a list of strings for repeated values (two authors)."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value if v is not None and str(v).strip())
    return "" if value is None else str(value)


def _first_line(value: str) -> str:
    return value.strip().split("\n", 1)[0].strip()
