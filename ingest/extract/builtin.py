"""The built-in extractors: pure Python, no server; the default when no Tika URL is set.

Formats: PDF (pypdf; pages without text by OCR), DOCX/XLSX/PPTX (zipfile + ElementTree),
HTML, RTF, plain text, ZIP (members become children with their bytes), images (PNG,
JPEG, TIFF, GIF, BMP by OCR with tesseract when it is installed: ingest.extract.scanned),
audio and other images (no text, not an error), mail (message/rfc822, mbox: empty
text; the pipeline parses mail itself).
Legacy binary Office (.doc/.xls/.ppt), Outlook .msg, TNEF and PST are refused with a
reason naming Tika, which reads them.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.extract import detect
from ingest.extract.archive import extract_zip
from ingest.extract.base import Extracted, ExtractionError
from ingest.extract.docx import read_docx
from ingest.extract.limits import DEFAULT_LIMITS, Limits
from ingest.extract.markup import extract_html
from ingest.extract.office import TextReader, extract_ooxml
from ingest.extract.pdf import extract_pdf
from ingest.extract.pptx import read_pptx
from ingest.extract.rtf import extract_rtf
from ingest.extract.scanned import IMAGE_TYPES, read_image
from ingest.extract.text import extract_plain
from ingest.extract.xlsx import read_xlsx

__all__ = ["DEFAULT_LIMITS", "Limits", "extract"]

_OOXML: dict[str, tuple[TextReader, str]] = {
    detect.DOCX: (read_docx, "docx"),
    detect.XLSX: (read_xlsx, "xlsx"),
    detect.PPTX: (read_pptx, "pptx"),
}
_NEEDS_TIKA = {
    detect.DOC: "legacy Office format needs Tika",
    detect.XLS: "legacy Office format needs Tika",
    detect.PPT: "legacy Office format needs Tika",
    detect.OLE: "legacy Office format needs Tika",
    detect.MSG: "Outlook .msg needs the mail parser or Tika",
    "application/vnd.ms-tnef": "TNEF (winmail.dat) needs Tika",
    "application/vnd.ms-outlook-pst": "PST/OST mailbox needs the mailbox source, not an extractor",
    detect.OOXML_PROTECTED: "encrypted Office document (password-protected)",
}
_MAIL = {detect.RFC822, detect.MBOX}
_TEXT_TYPES = {"text/plain", "text/csv", "text/tab-separated-values", "text/markdown", "text/x-log",
               "application/json", "application/xml", "text/xml", "text/calendar", "text/vcard"}


def extract(
    data: bytes,
    filename: str | None = None,
    declared_type: str | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> Extracted:
    """Text, metadata and embedded files of one file; ExtractionError when it cannot be read."""
    if len(data) > limits.max_bytes:
        raise ExtractionError(f"file too large: {len(data)} bytes, over the limit of {limits.max_bytes}")
    kind = detect.content_type(data, filename, declared_type)
    if not data:
        return Extracted(text="", content_type=kind, metadata={"warning": "empty file"}, extractor="builtin")
    reader = _reader(kind, declared_type, limits)
    try:
        return _with_title(reader(data))
    except ExtractionError:
        raise
    except RecursionError as exc:
        raise ExtractionError(f"{kind}: nested too deeply to parse") from exc
    except MemoryError as exc:
        raise ExtractionError(f"{kind}: out of memory while parsing") from exc
    except Exception as exc:  # any library's failure on a bad file is the file's problem, reported
        raise ExtractionError(f"{kind}: {type(exc).__name__}: {exc}") from exc


def _reader(kind: str, declared_type: str | None, limits: Limits) -> Callable[[bytes], Extracted]:
    if kind in _NEEDS_TIKA:
        reason = _NEEDS_TIKA[kind]
        return lambda _: _refuse(reason)
    if kind in _OOXML:
        text_reader, name = _OOXML[kind]
        return lambda data: extract_ooxml(data, kind, limits, text_reader, name)
    simple: dict[str, Callable[[bytes], Extracted]] = {
        detect.PDF: lambda data: extract_pdf(data, kind, limits),
        detect.ZIP: lambda data: extract_zip(data, limits),
        detect.HTML: lambda data: extract_html(data, kind, declared_type),
        detect.RTF: lambda data: extract_rtf(data, kind),
    }
    if kind in simple:
        return simple[kind]
    if kind in IMAGE_TYPES:
        return lambda data: read_image(data, kind, limits)
    if kind in _MAIL or kind.startswith(("audio/", "image/", "video/")):
        return lambda _: Extracted(text="", content_type=kind, extractor="builtin")
    if kind in _TEXT_TYPES or kind.startswith("text/"):
        return lambda data: extract_plain(data, kind, declared_type)
    return lambda _: _refuse(f"no built-in extractor for {kind}")


def _with_title(extracted: Extracted) -> Extracted:
    """Start the text with the document's title, as Tika does, so both give the same text."""
    title = extracted.metadata.get("title", "")
    if title and extracted.text.split("\n", 1)[0].strip() != title:
        extracted.text = f"{title}\n{extracted.text}" if extracted.text else title
    return extracted


def _refuse(reason: str) -> Extracted:
    raise ExtractionError(reason)
