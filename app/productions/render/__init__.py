"""Rendering documents for a production so that redacted text exists nowhere in the output.

Interface (owned by the rendering work; app.productions.service calls only this). Every
function returns PDF bytes that are deterministic: the same arguments give the same bytes
(no creation dates, no Info dictionary, no XMP, /ID derived from the content). Anything that
cannot be rendered safely raises RenderError (a ValueError) whose message says why and never
quotes redacted text: the caller puts it on a slip sheet.

    Box(start, end, label)        a redacted span text[start:end], drawn as a labelled black box
    Blackout(quote, label)        a redacted string to find and burn out of a PDF or image

    email_pdf(headers: Sequence[tuple[str, str]], text: str, boxes: Sequence[Box]) -> bytes
        an e-mail: header rows then the body (plain text, pre-wrap)
    transcript_pdf(headers: Sequence[tuple[str, str]], text: str, boxes: Sequence[Box]) -> bytes
        a voicemail: caller metadata rows then the transcript
    text_pdf(title: str, text: str, boxes: Sequence[Box], note: str) -> bytes
        any other file from its extracted text: title, note line, text
    slip_sheet(title: str, lines: Sequence[str]) -> bytes
        one page that stands for a withheld document
    pdf_without_metadata(data: bytes) -> bytes
        a PDF passed through: its pages only, without Info, XMP, attachments, JavaScript
    redacted_pdf(data: bytes, blackouts: Sequence[Blackout], dpi: int = 150) -> bytes
        every page rasterized (image only, no text layer), each quote burned out wherever found;
        RenderError if a quote is found on no page
    image_pdf(data: bytes, blackouts: Sequence[Blackout]) -> bytes
        a PNG/JPEG/TIFF/GIF/BMP/WebP as image-only pages (one per frame), no EXIF; quotes
        burned out where OCR reads them
    stamp(pdf: bytes, numbers: Sequence[str] | Callable[[int], Sequence[str]],
          endorsement: str) -> bytes
        page i gets numbers[i] bottom right and the endorsement bottom left, in a strip of
        STRIP points added below the page (len(numbers) must equal the page count; a
        function is given the page count and returns the numbers)
    page_count(pdf: bytes) -> int

Headers are (name, value) pairs already scrubbed by the caller. Box offsets are indexes into
`text` (Python str); overlapping boxes are joined.
"""

from __future__ import annotations

from app.productions.render.boxes import Blackout, Box, RenderError
from app.productions.render.html import email_pdf, slip_sheet, text_pdf, transcript_pdf
from app.productions.render.pdf import page_count, pdf_without_metadata
from app.productions.render.raster import image_pdf, redacted_pdf
from app.productions.render.stamp import STRIP, stamp

__all__ = ["STRIP", "Blackout", "Box", "RenderError", "email_pdf", "image_pdf", "page_count",
           "pdf_without_metadata", "redacted_pdf", "slip_sheet", "stamp", "text_pdf", "transcript_pdf"]
