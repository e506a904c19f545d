"""PDF text and metadata with pypdf; no OCR (a scanned page gives no text)."""

from __future__ import annotations

import io
from datetime import UTC

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError

from ingest.extract import detect
from ingest.extract.base import Embedded, Extracted, ExtractionError
from ingest.extract.text import tidy

_FIELDS = {"/Title": "title", "/Author": "author", "/Subject": "subject", "/Keywords": "keywords"}
_DATES = {"/CreationDate": "created", "/ModDate": "modified"}


def extract_pdf(data: bytes, content_type: str) -> Extracted:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    _open(reader)
    pages: list[str] = []
    failed: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            pages.append("\n".join([page.extract_text() or "", *_annotations(page)]))
        except Exception as exc:  # one bad page must not lose the others
            failed.append(f"page {number}: {type(exc).__name__}: {exc}")
    if failed and len(failed) == len(reader.pages):
        raise ExtractionError(f"corrupt PDF: {failed[0]}")
    metadata = _metadata(reader) | {"page_count": str(len(reader.pages))}
    if failed:
        metadata["warning"] = "; ".join(failed[:5])
    return Extracted(
        text=tidy("\n\n".join([*pages, *_form_fields(reader)])), content_type=content_type, metadata=metadata,
        children=_attachments(reader), extractor=f"builtin/pdf {pypdf.__version__}",
    )


def _annotations(page: pypdf.PageObject) -> list[str]:
    """Comments (author and text) and link targets: reviewers' notes matter in a records request."""
    lines = []
    annotations = page.get("/Annots")
    for reference in annotations.get_object() if annotations is not None else []:
        annotation = reference.get_object()
        if not isinstance(annotation, dict) or annotation.get("/Subtype") == "/Popup":
            continue  # a popup repeats its parent's text
        for key in ("/T", "/Contents"):
            value = annotation.get(key)
            if isinstance(value, str) and value.strip():
                lines.append(value.strip())
        action = annotation.get("/A")
        uri = action.get_object().get("/URI") if action is not None else None
        if isinstance(uri, str) and uri:
            lines.append(uri)
    return lines


def _form_fields(reader: pypdf.PdfReader) -> list[str]:
    """Filled-in form fields as 'name: value' lines."""
    try:
        fields = reader.get_fields() or {}
    except Exception:  # a broken AcroForm costs the fields, not the text
        return []
    lines = []
    for name, field in fields.items():
        value = field.get("/V")
        if isinstance(value, str) and value.strip("/ ").strip():
            lines.append(f"{name}: {value.lstrip('/')}")
    return lines


def _open(reader: pypdf.PdfReader) -> None:
    """Decrypt with the empty user password, as every viewer does; else refuse."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except DependencyError as exc:  # AES without the 'cryptography' package
        raise ExtractionError(f"encrypted PDF: {exc}") from exc
    except FileNotDecryptedError as exc:
        raise ExtractionError("encrypted PDF") from exc
    if not opened:
        raise ExtractionError("encrypted PDF")


def _metadata(reader: pypdf.PdfReader) -> dict[str, str]:
    info = reader.metadata
    if info is None:
        return {}
    found = {}
    for key, name in _FIELDS.items():
        value = info.get(key)
        if value is not None and hasattr(value, "get_object"):
            value = value.get_object()  # values may be indirect references
        if isinstance(value, str) and value.strip():
            found[name] = value.strip()
    for key, name in _DATES.items():
        stamp = _date(info, key)
        if stamp:
            found[name] = stamp
    return found


def _date(info: pypdf.DocumentInformation, key: str) -> str | None:
    try:
        moment = info.creation_date if key == "/CreationDate" else info.modification_date
    except (ValueError, TypeError):
        return None  # malformed date strings are common; not worth failing the file
    if moment is None:
        return None
    # A PDF date without an offset is taken as UTC, as Tika does.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _attachments(reader: pypdf.PdfReader) -> list[Embedded]:
    """Files attached to the PDF (its embedded-files tree)."""
    try:
        attached = reader.attachments
    except Exception:  # a broken name tree costs the attachments, not the text
        return []
    found = []
    for name, contents in attached.items():
        for content in contents:
            kind = detect.content_type(content, name, None)
            found.append(Embedded(name=name, data=content, content_type=kind))
    return found
