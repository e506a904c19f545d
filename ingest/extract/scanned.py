"""Text of scans: images, and PDF pages without a text layer, read by OCR (ingest.extract.ocr).

Images are decoded by Pillow within Limits.max_ocr_pixels (a decompression bomb is
refused from its header) and flattened onto white; PDF pages are rendered by PDFium at
300 dpi (less for a page too large for the pixel limit). At most Limits.max_ocr_pages
pages of one document are read. Without tesseract a scan keeps no text and its note says
why; an unreadable image is an ExtractionError.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import PIL
import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image

from app.core.pdfium import LOCK as PDFIUM
from ingest.extract import detect, ocr
from ingest.extract.base import Extracted, ExtractionError
from ingest.extract.limits import DEFAULT_LIMITS, Limits
from ingest.extract.text import tidy

IMAGE_TYPES = {"image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp"}
DPI = 300
_MIN_SIDE = 8  # pixels: a spacer or a tracking pixel holds no text
_MULTI_PAGE = {"image/tiff"}  # a fax or a scanner's TIFF has pages; a GIF's frames are animation


@dataclass
class PageText:
    """OCR text of some pages of a PDF, by page index (0-based), and what was left unread."""

    texts: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    engine: str = ""  # "tesseract 5.3.0" when tesseract read at least one page


def engine() -> str:
    return f"tesseract {ocr.version()}"


def read_image(data: bytes, content_type: str, limits: Limits = DEFAULT_LIMITS) -> Extracted:
    """An image's OCR text (every page of a TIFF, up to the page limit)."""
    if not ocr.available():
        return Extracted(text="", content_type=content_type, extractor="builtin", note=ocr.UNAVAILABLE)
    pages, total = _image_pages(data, content_type, limits)
    texts = [ocr.page_text(png, limits.max_ocr_seconds_per_page) for png in pages]
    extracted = Extracted(text=tidy("\n\n".join(texts)), content_type=content_type,
                          extractor=f"builtin/image {PIL.__version__} + {engine()}")
    if total > 1:
        extracted.metadata["page_count"] = str(total)
    if total > len(pages):
        extracted.note = _capped(len(pages), total)
    return extracted


def read_pdf_pages(data: bytes, indexes: Sequence[int] | None = None,
                   limits: Limits = DEFAULT_LIMITS) -> PageText:
    """OCR text of the PDF pages at `indexes` (those without a text layer; None: all)."""
    result = PageText()
    if indexes is not None and not indexes:
        return result
    if not ocr.available():
        result.notes.append(_unavailable(indexes))
        return result
    with PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except Exception as exc:  # PdfiumError: a PDF pypdf read but PDFium will not
            raise ExtractionError(f"OCR could not open the PDF: {_said(exc)}") from exc
    try:
        wanted = range(len(document)) if indexes is None else indexes
        chosen = list(wanted)[:limits.max_ocr_pages]
        if len(chosen) < len(wanted):
            result.notes.append(_capped(len(chosen), len(wanted)))
        for index in chosen:
            png = _render(document, index, limits)
            result.texts[index] = ocr.page_text(png, limits.max_ocr_seconds_per_page)
    finally:
        with PDFIUM:
            document.close()
    result.engine = engine()
    return result


def with_ocr(extracted: Extracted, data: bytes, limits: Limits = DEFAULT_LIMITS) -> Extracted:
    """An image's or a PDF's extraction that found no text (Tika's), read again by OCR."""
    kind = extracted.content_type
    if extracted.text.strip() or (kind not in IMAGE_TYPES and kind != detect.PDF):
        return extracted
    if kind in IMAGE_TYPES:
        read = read_image(data, kind, limits)
        text, notes, used = read.text, [read.note], read.extractor.partition(" + ")[2]
    else:
        pages = read_pdf_pages(data, None, limits)
        text = tidy("\n\n".join(pages.texts[index] for index in sorted(pages.texts)))
        notes, used = pages.notes, pages.engine
    extracted.text = text
    extracted.note = "; ".join(note for note in [extracted.note, *notes] if note)
    if used:
        extracted.extractor = f"{extracted.extractor} + {used}"
    return extracted


def _image_pages(data: bytes, content_type: str, limits: Limits) -> tuple[list[bytes], int]:
    """PNGs of the image's pages (within the page limit), and how many pages it has."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            total = getattr(image, "n_frames", 1) if content_type in _MULTI_PAGE else 1
            pages = []
            for index in range(min(total, limits.max_ocr_pages)):
                image.seek(index)
                png = _page_png(image, content_type, limits)
                if png is not None:
                    pages.append(png)
            return pages, total
    except ExtractionError:
        raise
    except Image.DecompressionBombError as exc:
        raise ExtractionError(f"{content_type}: image too large to OCR: {exc}") from exc
    except Exception as exc:  # Pillow's many errors for a broken file: the file's problem
        raise ExtractionError(f"{content_type}: not a readable image: {type(exc).__name__}: {exc}") from exc


def _page_png(image: Image.Image, content_type: str, limits: Limits) -> bytes | None:
    width, height = image.size
    if width * height > limits.max_ocr_pixels:
        raise ExtractionError(f"{content_type}: image too large to OCR: {width}x{height} pixels, "
                              f"over the limit of {limits.max_ocr_pixels}")
    if min(width, height) < _MIN_SIDE:
        return None
    return _png(on_white(image), image.info.get("dpi"))


def on_white(image: Image.Image) -> Image.Image:
    """Grey levels, transparency flattened onto white (black text on a clear logo stays)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        clear = image.convert("RGBA")
        white = Image.new("RGBA", clear.size, "white")
        white.alpha_composite(clear)
        return white.convert("L")
    return image.convert("L")


def _render(document: pdfium.PdfDocument, index: int, limits: Limits) -> bytes:
    """One page as a grey PNG at 300 dpi, or less if that would pass the pixel limit."""
    with PDFIUM:
        try:
            page = document[index]
        except Exception as exc:
            raise ExtractionError(f"OCR could not read page {index + 1}: {_said(exc)}") from exc
        try:
            width, height = page.get_size()  # points: 1/72 inch
            scale = DPI / 72
            if width * height * scale * scale > limits.max_ocr_pixels:
                scale = math.sqrt(limits.max_ocr_pixels / (width * height))
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                return _png(bitmap.to_pil(), (scale * 72, scale * 72))
            finally:
                bitmap.close()
        except Exception as exc:  # a page PDFium cannot draw
            raise ExtractionError(f"OCR could not render page {index + 1}: {_said(exc)}") from exc
        finally:
            page.close()


def _png(image: Image.Image, dpi: object) -> bytes:
    buffer = io.BytesIO()
    if isinstance(dpi, tuple) and len(dpi) == 2 and all(isinstance(d, int | float) and d > 0 for d in dpi):
        image.save(buffer, "PNG", dpi=(round(dpi[0]), round(dpi[1])))
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _capped(read: int, total: int) -> str:
    return f"OCR read the first {read} of {total} pages without text (the limit per document)"


def _unavailable(indexes: Sequence[int] | None) -> str:
    if indexes is None:
        return ocr.UNAVAILABLE
    pages = "1 page has" if len(indexes) == 1 else f"{len(indexes)} pages have"
    return f"{ocr.UNAVAILABLE}; {pages} no text layer"


def _said(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
