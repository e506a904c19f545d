"""Page images for the leak verifier to read by OCR (app.productions.verify).

A PDF page is read by OCR when it has no text of its own or draws a picture: a page the
renderer rasterized carries only the Bates stamp as text, and a box that failed to burn
in would leave the string readable in the picture alone. Pages are rendered by PDFium at
200 dpi (less for a page too large for the pixel limit) holding app.core.pdfium.LOCK,
one page at a time; an image file gives one PNG per page (every frame of a TIFF, the
first of anything else), flattened onto white and scaled down to the pixel limit.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
from PIL import Image

from app.core.pdfium import LOCK as PDFIUM
from ingest.extract import ocr
from ingest.extract.limits import DEFAULT_LIMITS
from ingest.extract.scanned import on_white

DPI = 200
MAX_PIXELS = DEFAULT_LIMITS.max_ocr_pixels
SECONDS_PER_PAGE = DEFAULT_LIMITS.max_ocr_seconds_per_page
MIN_SIDE = 8  # pixels: a spacer or a tracking pixel holds no text
PICTURE_DEPTH = 4  # form XObjects nested this deep are looked into for pictures


def needs_ocr(page: pdfium.PdfPage, text: str) -> bool:
    """Whether a page's pixels may hold text its text layer does not (caller holds LOCK)."""
    if not any(char.isalnum() for char in text):
        return True
    pictures = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=PICTURE_DEPTH)
    return next(iter(pictures), None) is not None


def page_png(document: pdfium.PdfDocument, index: int) -> bytes:
    """Page `index` as a grey PNG at 200 dpi, or less if that would pass the pixel limit."""
    with PDFIUM:
        page = document[index]
        try:
            width, height = page.get_size()  # points: 1/72 inch
            scale = DPI / 72
            if width * height * scale * scale > MAX_PIXELS:
                scale = math.sqrt(MAX_PIXELS / (width * height))
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                return _png(bitmap.to_pil())
            finally:
                bitmap.close()
        finally:
            page.close()


def image_pages(image: Image.Image) -> int:
    """Pages of an image: a TIFF's frames (a fax, a scanner's file); a GIF's are animation."""
    return int(getattr(image, "n_frames", 1)) if image.format == "TIFF" else 1


def image_pngs(image: Image.Image) -> Iterator[tuple[int, bytes]]:
    """(page number, PNG) for each page of the image, one at a time; none for a tiny page."""
    for index in range(image_pages(image)):
        image.seek(index)
        if min(image.size) < MIN_SIDE:
            continue
        width, height = image.size
        if width * height > MAX_PIXELS:  # a JPEG decodes straight to a fraction of its size
            factor = math.sqrt(MAX_PIXELS / (width * height))
            image.draft("L", (int(width * factor), int(height * factor)))
        grey = on_white(image)
        if grey.width * grey.height > MAX_PIXELS:
            factor = math.sqrt(MAX_PIXELS / (grey.width * grey.height))
            grey = grey.resize((max(1, int(grey.width * factor)), max(1, int(grey.height * factor))),
                               Image.Resampling.LANCZOS)
        yield index + 1, _png(grey)


def read(png: bytes) -> str:
    """The text tesseract reads on one page image; ExtractionError if it cannot."""
    return ocr.page_text(png, SECONDS_PER_PAGE)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)  # read once, straight away: speed over size
    return buffer.getvalue()
