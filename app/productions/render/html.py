"""E-mails, voicemail transcripts, extracted text and slip sheets: plain text into HTML, then PDF.

Each redacted span is cut out of the text before any HTML exists and a black box with its
label stands in its place, so the redacted words never reach WeasyPrint, let alone the PDF's
text layer. Everything from the document is escaped and shown as plain text (pre-wrap): no
markup of the document's is trusted, and WeasyPrint fetches nothing but our stylesheet folder.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence

from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

from app.letters.pdf import STATIC_DIR, FolderFiles
from app.productions.render.boxes import Box, RenderError, merged

PRODUCTION_DIR = STATIC_DIR / "production"
MAX_TEXT = 3_000_000  # characters; a longer text is refused rather than left to lay out for minutes

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@functools.cache
def _fonts() -> FontConfiguration:
    return FontConfiguration()


@functools.cache
def _stylesheet() -> CSS:
    """Parsed once per process; WeasyPrint reuses it with the same font configuration."""
    return CSS(filename=str(PRODUCTION_DIR / "production.css"), font_config=_fonts(),
               url_fetcher=FolderFiles(PRODUCTION_DIR))


def _plain(text: str) -> str:
    """Text as HTML character data: line ends unified, control characters blanked, escaped."""
    return html.escape(_CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n")), quote=True)


def redacted_html(text: str, boxes: Sequence[Box]) -> str:
    """The text as HTML with each box's span replaced by its label on black."""
    if len(text) > MAX_TEXT:
        raise RenderError(f"the text has {len(text):,} characters; more than {MAX_TEXT:,} cannot be rendered")
    parts: list[str] = []
    at = 0
    for box in merged(boxes, len(text)):
        parts.append(_plain(text[at:box.start]))
        parts.append(f'<span class="redacted">{_plain(box.label)}</span>')
        at = box.end
    parts.append(_plain(text[at:]))
    return "".join(parts)


def _header_rows(headers: Sequence[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{_plain(name)}</th><td>{_plain(value)}</td></tr>" for name, value in headers)
    return f'<table class="headers">{rows}</table>' if rows else ""


def render(body: str, kind: str) -> bytes:
    """One HTML render; no title, dates or producer in the PDF, its /ID derived from its content."""
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body class="{kind}">{body}</body>'
    document = HTML(string=page, base_url=PRODUCTION_DIR.as_uri() + "/",
                    url_fetcher=FolderFiles(PRODUCTION_DIR))
    pdf: bytes = document.write_pdf(stylesheets=[_stylesheet()], font_config=_fonts(), pdf_identifier=True,
                                    finisher=_without_info)
    return pdf


def _without_info(document: object, pdf: object) -> None:
    pdf.info.clear()  # type: ignore[attr-defined]  # pydyf.PDF: an empty Info is not written


def email_pdf(headers: Sequence[tuple[str, str]], text: str, boxes: Sequence[Box]) -> bytes:
    """An e-mail: its header rows (From, To, Date, Subject...) then the body."""
    return render(_header_rows(headers) + f'<div class="text">{redacted_html(text, boxes)}</div>', "email")


def transcript_pdf(headers: Sequence[tuple[str, str]], text: str, boxes: Sequence[Box]) -> bytes:
    """A voicemail: the caller's metadata rows (caller, number, received, length) then the transcript."""
    return render("<h1>Voicemail transcript</h1>" + _header_rows(headers)
                  + f'<div class="text">{redacted_html(text, boxes)}</div>', "transcript")


def text_pdf(title: str, text: str, boxes: Sequence[Box], note: str) -> bytes:
    """Any other file from its extracted text: the title (its file name), the note saying so, the text."""
    return render(f'<h1>{_plain(title)}</h1><p class="note">{_plain(note)}</p>'
                  f'<div class="text">{redacted_html(text, boxes)}</div>', "text")


def slip_sheet(title: str, lines: Sequence[str]) -> bytes:
    """One page standing for a withheld document: its title, then lines such as
    "Withheld: privileged" and "Citation: 24-72-204(3)(a)(IV)"."""
    return render(f"<h1>{_plain(title)}</h1>" + "".join(f"<p>{_plain(line)}</p>" for line in lines), "slip")
