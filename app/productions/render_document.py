"""One document of a production as it goes out: its pages (a PDF, not yet stamped), the
native file when one goes out, and the text for TEXT/.

E-mail: rendered with its headers. Voicemail: the transcript as pages; the audio goes out
only when the transcript has no redaction. PDF: passed through without its metadata, or
rasterized with the boxes burned in. Image: as a page, boxes burned in; the native only
when unredacted. Anything else: the native behind a slip sheet that says so, or, when
redacted, a rendering of its extracted text. Withheld: a slip sheet with the citation.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.core.blobs import BlobStore
from app.models import Disposition, Document, DocumentKind, ProductionDocument
from app.productions import render
from app.productions.render import Blackout, Box, RenderError

REDACTED = "[REDACTED]"
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    text: str
    native: bytes | None = None  # goes to NATIVES/ under native_extension
    native_extension: str = ""
    note: str = ""  # why the native is not there, or that it is


@dataclass(frozen=True)
class Context:
    """What rendering one document needs besides the document."""

    store: BlobStore
    quotes: Sequence[str]  # every redacted string of the production, longest first
    citations: dict[str, str]  # code -> title
    bates: str  # the document's first Bates number
    parent_spans: list[dict[str, Any]] | None  # the parent's spans, when the parent is voicemail


def scrub(value: str, quotes: Sequence[str]) -> str:
    """A header value with every redacted string of the production replaced."""
    for quote in quotes:
        if quote and quote.lower() in value.lower():
            value = re.sub(re.escape(quote), REDACTED, value, flags=re.I)
    return value


def cited(code: str, citations: dict[str, str]) -> str:
    return f"{code} ({citations[code]})" if code in citations else code


def _label(span: dict[str, Any]) -> str:
    return f"Redacted: {span['citation']}" if span.get("citation") else "Redacted"


def boxes(spans: list[dict[str, Any]]) -> list[Box]:
    return [Box(s["start"], s["end"], _label(s)) for s in spans]


def blackouts(spans: list[dict[str, Any]]) -> list[Blackout]:
    return [Blackout(s["quote"], _label(s)) for s in spans]


def redacted_text(text: str, spans: list[dict[str, Any]]) -> str:
    """The text with each span replaced by its label in brackets."""
    out, at = [], 0
    for span in sorted(spans, key=lambda s: (s["start"], s["end"])):
        start = max(span["start"], at)
        out.append(text[at:start])
        if span["end"] > start:
            out.append(f"[{_label(span)}]")
        at = max(at, span["end"])
    out.append(text[at:])
    return "".join(out)


def person(value: dict[str, str] | None) -> str:
    if not value:
        return ""
    name, email = value.get("name", ""), value.get("email", "")
    return f"{name} <{email}>" if name and email else name or email


def people(document: Document, kind: str) -> str:
    return "; ".join(person(p) for p in (document.recipients or {}).get(kind, []))


def headers(document: Document, quotes: Sequence[str]) -> list[tuple[str, str]]:
    rows = [("From", person(document.sender)), ("To", people(document, "to")),
            ("Cc", people(document, "cc")),
            ("Date", document.sent_at.isoformat() if document.sent_at else document.date_header),
            ("Subject", document.subject)]
    return [(name, scrub(value, quotes)) for name, value in rows if value]


def _voicemail_headers(document: Document, quotes: Sequence[str]) -> list[tuple[str, str]]:
    meta = document.voicemail or {}
    duration = meta.get("duration_seconds")
    rows = [("Caller", str(meta.get("caller_name") or "")),
            ("Number", str(meta.get("caller_number") or "")),
            ("Mailbox", str(meta.get("mailbox") or "")),
            ("Received", document.sent_at.isoformat() if document.sent_at
             else str(meta.get("received") or "")),
            ("Duration", f"{duration:g} seconds" if isinstance(duration, int | float) else "")]
    return [(name, scrub(value, quotes)) for name, value in rows if value]


def extension(document: Document) -> str:
    found = _EXTENSION.search(document.filename or "")
    if found:
        return "." + found.group(1).lower()
    guessed = mimetypes.guess_extension(document.content_type or "") or ".bin"
    return guessed if _EXTENSION.fullmatch(guessed) else ".bin"


def _why_withheld(spans: list[dict[str, Any]], citations: dict[str, str]) -> str:
    codes = sorted({s["citation"] for s in spans if s.get("citation")})
    return ", ".join(cited(c, citations) for c in codes) or "redactions"


def withheld_slip(entry: ProductionDocument, ctx: Context) -> Rendered:
    ground = entry.withheld_ground or "withheld"
    lines = [f"Bates number: {ctx.bates}", f"Withheld: {ground}"]
    if entry.citation_code:
        lines.append(f"Citation: {cited(entry.citation_code, ctx.citations)}")
    text = "\n".join(lines)
    return Rendered(render.slip_sheet("Document withheld", lines), text)


def failed_slip(ctx: Context) -> Rendered:
    lines = [f"Bates number: {ctx.bates}",
             "This document could not be rendered for production.",
             "It is listed here so the numbering stays whole; ask the city about it."]
    return Rendered(render.slip_sheet("Document not rendered", lines), "\n".join(lines))


def _native_slip(document: Document, ctx: Context, title: str, extra: list[str]) -> bytes:
    name = scrub(document.filename or "", ctx.quotes)
    lines = [f"Bates number: {ctx.bates}"] + ([f"File name: {name}"] if name else []) + extra
    return render.slip_sheet(title, lines)


def render_one(document: Document, entry: ProductionDocument, text: str,
               ctx: Context) -> Rendered:
    """The document rendered for its disposition; RenderError (or a missing native) gives
    a slip sheet saying it could not be rendered, never a failed build."""
    if entry.disposition == Disposition.withheld:
        return withheld_slip(entry, ctx)
    try:
        return _rendered(document, entry, text, ctx)
    except (RenderError, OSError):
        return failed_slip(ctx)


def _rendered(document: Document, entry: ProductionDocument, text: str,
              ctx: Context) -> Rendered:
    spans = list(entry.redactions)
    shown = redacted_text(text, spans)
    kind, content_type = document.kind, (document.content_type or "").lower()
    if kind == DocumentKind.voicemail:
        return _voicemail(document, spans, text, shown, ctx)
    if kind == DocumentKind.email:
        return Rendered(render.email_pdf(headers(document, ctx.quotes), text, boxes(spans)), shown)
    native = ctx.store.read(document.blob_sha256) if document.blob_sha256 else None
    if content_type.startswith("audio/") and ctx.parent_spans is not None:
        return _voicemail_audio(document, native, shown, ctx)
    if native is not None and (content_type == "application/pdf"
                               or extension(document) == ".pdf"):
        if spans:
            return Rendered(render.redacted_pdf(native, blackouts(spans)), shown)
        return Rendered(render.pdf_without_metadata(native), shown)
    if native is not None and content_type.startswith("image/"):
        pdf = render.image_pdf(native, blackouts(spans))
        return Rendered(pdf, shown) if spans else Rendered(pdf, shown, native, extension(document))
    if spans or native is None:
        note = ("Rendered from the file's extracted text because it has redactions; the "
                "native file is withheld." if spans else
                "Rendered from the extracted text: the native file is not available.")
        title = scrub(document.filename or document.subject or "Document", ctx.quotes)
        return Rendered(render.text_pdf(title, text, boxes(spans), note), shown, note=note)
    ext = extension(document)
    note = f"Produced in native format: NATIVES/{ctx.bates}{ext}"
    return Rendered(_native_slip(document, ctx, "Produced in native format", [note]), shown,
                    native, ext, note)


def _voicemail(document: Document, spans: list[dict[str, Any]], text: str, shown: str,
               ctx: Context) -> Rendered:
    rows = _voicemail_headers(document, ctx.quotes)
    export = (document.content_type or "").startswith("audio/") and document.blob_sha256
    if export and not spans:
        ext = extension(document)
        note = f"Audio produced in native format: NATIVES/{ctx.bates}{ext}"
        pdf = render.transcript_pdf([*rows, ("Audio", note)], text, boxes(spans))
        return Rendered(pdf, shown, ctx.store.read(str(document.blob_sha256)), ext, note)
    note = ""
    if spans:
        note = (f"Audio withheld: its transcript is redacted under "
                f"{_why_withheld(spans, ctx.citations)}")
        rows.append(("Audio", note))
    return Rendered(render.transcript_pdf(rows, text, boxes(spans)), shown, note=note)


def _voicemail_audio(document: Document, native: bytes | None, shown: str,
                     ctx: Context) -> Rendered:
    """A voicemail's audio attachment: out only when the transcript has no redaction."""
    parent_spans = ctx.parent_spans or []
    if parent_spans or native is None:
        why = (f"its transcript is redacted under {_why_withheld(parent_spans, ctx.citations)}"
               if parent_spans else "the recording is not available")
        note = f"Audio withheld: {why}."
        return Rendered(_native_slip(document, ctx, "Voicemail audio withheld", [note]),
                        note, note=note)
    ext = extension(document)
    note = f"Audio produced in native format: NATIVES/{ctx.bates}{ext}"
    return Rendered(_native_slip(document, ctx, "Voicemail audio", [note]), shown, native, ext,
                    note)
