"""PDF text and metadata with pypdf; pages without a text layer (scans) read by OCR."""

from __future__ import annotations

import io
from datetime import UTC

import pypdf
from pypdf.errors import DependencyError, FileNotDecryptedError

from ingest.extract import detect, scanned
from ingest.extract.base import Embedded, Extracted, ExtractionError
from ingest.extract.limits import DEFAULT_LIMITS, Limits
from ingest.extract.text import tidy

_FIELDS = {"/Title": "title", "/Author": "author", "/Subject": "subject", "/Keywords": "keywords"}
_DATES = {"/CreationDate": "created", "/ModDate": "modified"}


def extract_pdf(data: bytes, content_type: str, limits: Limits = DEFAULT_LIMITS) -> Extracted:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    _open(reader)
    texts: dict[int, str] = {}
    notes: dict[int, list[str]] = {}
    failed: list[str] = []
    for index, page in enumerate(reader.pages):
        try:
            texts[index], notes[index] = page.extract_text() or "", _annotations(page)
        except Exception as exc:  # one bad page must not lose the others
            failed.append(f"page {index + 1}: {type(exc).__name__}: {exc}")
    if failed and len(failed) == len(reader.pages):
        raise ExtractionError(f"corrupt PDF: {failed[0]}")
    metadata = _metadata(reader) | {"page_count": str(len(reader.pages))}
    if failed:
        metadata["warning"] = "; ".join(failed[:5])
    scans = _read_scans(data, [index for index, text in texts.items() if not text.strip()], texts, limits)
    pages = ["\n".join([texts[index], *notes[index]]) for index in sorted(texts)]
    extractor = " + ".join(filter(None, [f"builtin/pdf {pypdf.__version__}", scans.engine]))
    return Extracted(
        text=tidy("\n\n".join([*pages, *_form_fields(reader)])), content_type=content_type, metadata=metadata,
        children=_attachments(reader), extractor=extractor, note="; ".join(scans.notes),
    )


def _read_scans(data: bytes, blank: list[int], texts: dict[int, str], limits: Limits) -> scanned.PageText:
    """OCR the pages without text into `texts`. When other pages have text, a failure of
    OCR is a note beside it; when none has, it is the document's extraction error."""
    try:
        scans = scanned.read_pdf_pages(data, blank, limits)
    except ExtractionError as exc:
        if len(blank) == len(texts):
            raise
        return scanned.PageText(notes=[exc.reason])
    texts.update(scans.texts)
    return scans


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
