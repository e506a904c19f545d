"""PDF pages and images with redactions: rasterized, the redacted strings burned in black,
written as image-only pages so that no text layer (and nothing under a box) survives.

Each page is found, rendered, blacked out, compressed and let go before the next one
(pdfium), so a long PDF never sits in memory at full resolution. A redacted string is found
on the page's own text (annotations and form fields flattened into it first) and, where the
page has no text or carries a large picture (a scan, perhaps with a scanned-in stamp), on the
words OCR reads on the rendered page (ingest.extract.ocr, tesseract). A string found on no
page at all is an error: it may be on the page in a form we cannot see (outlined text, an odd
font), and guessing is not safe.
"""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Iterable, Sequence

import pypdf
import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps, ImageSequence, UnidentifiedImageError
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from app.productions.render.boxes import Blackout, RenderError
from app.productions.render.find import matches
from app.productions.render.pdf import write
from ingest.extract import ocr
from ingest.extract.base import ExtractionError

MAX_PIXELS = 60_000_000  # per page: a 36 x 48 inch drawing at 150 dpi is 39 million
MIN_DPI, MAX_DPI = 72, 600
OCR_DPI = 200  # a page read by OCR is rendered at least this finely
LARGE_PICTURE = 0.05  # share of the page a picture must cover for the page to be OCR'd too
LETTER = (612.0, 792.0)
IMAGE_FORMATS = {"PNG", "JPEG", "TIFF", "GIF", "BMP", "WEBP"}

Rect = tuple[float, float, float, float]  # left, top, right, bottom in pixels


class Burner:
    """Keeps track of which redacted strings were found anywhere in a document."""

    def __init__(self, blackouts: Sequence[Blackout]) -> None:
        self.blackouts = list(blackouts)
        self.found = [False] * len(self.blackouts)

    def unfound(self) -> None:
        missing = [f"{blackout.label} (#{index + 1})" for index, blackout in enumerate(self.blackouts)
                   if not self.found[index]]
        if missing:
            raise RenderError("redacted text not found on any page, so it cannot be blacked out: "
                              + ", ".join(missing))


def _lines(rects: Iterable[Rect]) -> list[Rect]:
    """Character or word boxes joined into one box per line (a new line when one box does not
    overlap the last one vertically)."""
    joined: list[Rect] = []
    for left, top, right, bottom in rects:
        if joined:
            l0, t0, r0, b0 = joined[-1]
            if top < b0 and bottom > t0:
                joined[-1] = (min(l0, left), min(t0, top), max(r0, right), max(b0, bottom))
                continue
        joined.append((left, top, right, bottom))
    return joined


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _burn(image: Image.Image, rects: Sequence[Rect], label: str, pad: float) -> None:
    """Black boxes over the rects; the label in white inside the first if it fits."""
    draw = ImageDraw.Draw(image)
    black = 0 if image.mode == "L" else (0, 0, 0)
    white = 255 if image.mode == "L" else (255, 255, 255)
    for index, (left, top, right, bottom) in enumerate(rects):
        box = (left - pad, top - pad, right + pad, bottom + pad)
        draw.rectangle(box, fill=black)
        size = int((box[3] - box[1]) * 0.6)
        if index == 0 and size >= 6:
            font = _font(size)
            width = draw.textlength(label, font=font)
            if width <= box[2] - box[0] - 2 * pad:
                draw.text((box[0] + pad, (box[1] + box[3]) / 2), label, fill=white, font=font, anchor="lm")


Burn = tuple[list[Rect], str]  # the boxes of one occurrence, and its label


def _words_rects(image: Image.Image, burner: Burner, page: int, ocr_needed: bool) -> list[Burn]:
    """Boxes of the redacted strings among the words OCR reads on the image."""
    if not ocr_needed or not burner.blackouts:
        return []
    try:
        found = ocr.words(_png(image))
    except ExtractionError as exc:  # not installed, timed out, failed: the page cannot be redacted
        raise RenderError(f"page {page} could not be read by OCR: {exc}") from exc
    texts = [word.text for word in found]
    burns = []
    for index, blackout in enumerate(burner.blackouts):
        for covered in matches(texts, blackout.quote, ocr=True):
            burner.found[index] = True
            rects = [(w.left, w.top, w.left + w.width, w.top + w.height) for w in (found[i] for i in covered)]
            burns.append((_lines(rects), blackout.label))
    return burns


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _image_stream(image: Image.Image, jpeg: bool) -> StreamObject:
    """The image as a PDF image XObject: JPEG for photographs, else PNG's compressed rows."""
    colours = 1 if image.mode == "L" else 3
    stream = StreamObject()
    stream.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(image.width), NameObject("/Height"): NumberObject(image.height),
        NameObject("/ColorSpace"): NameObject("/DeviceGray" if colours == 1 else "/DeviceRGB"),
        NameObject("/BitsPerComponent"): NumberObject(8),
    })
    if jpeg:
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=90, optimize=False)  # no EXIF, no ICC: nothing is passed
        stream[NameObject("/Filter")] = NameObject("/DCTDecode")
        stream._data = out.getvalue()
        return stream
    png = _png(image)
    rows, at = [], 8
    while at < len(png):  # the IDAT chunks, joined, are one zlib stream with PNG's row filters
        length = int.from_bytes(png[at:at + 4], "big")
        if png[at + 4:at + 8] == b"IDAT":
            rows.append(png[at + 8:at + 8 + length])
        at += 12 + length
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/DecodeParms")] = DictionaryObject({
        NameObject("/Predictor"): NumberObject(15), NameObject("/Colors"): NumberObject(colours),
        NameObject("/BitsPerComponent"): NumberObject(8), NameObject("/Columns"): NumberObject(image.width),
    })
    stream._data = b"".join(rows)
    return stream


def _add_page(writer: pypdf.PdfWriter, image: Image.Image, width: float, height: float, jpeg: bool) -> None:
    """A page of width x height points showing nothing but the image."""
    page = writer.add_blank_page(width, height)
    picture = writer._add_object(_image_stream(image, jpeg))
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): picture})})
    content = DecodedStreamObject()
    content.set_data(f"q {width:.4f} 0 0 {height:.4f} 0 0 cm /Im0 Do Q".encode())
    page[NameObject("/Contents")] = writer._add_object(content.flate_encode())


def _gray_if_grey(image: Image.Image) -> Image.Image:
    """A page with no colour on it stored as grey levels: a third of the bytes."""
    gray = image.convert("L")
    return gray if ImageChops.difference(image, gray.convert("RGB")).getbbox() is None else image


def _check_size(width_px: float, height_px: float, what: str) -> None:
    if width_px * height_px > MAX_PIXELS:
        raise RenderError(f"{what} is {width_px:,.0f} x {height_px:,.0f} pixels; more than {MAX_PIXELS:,} "
                          "cannot be rendered")


def _large_picture(page: pdfium.PdfPage) -> bool:
    area = max(page.get_width() * page.get_height(), 1.0)
    covered = 0.0
    for picture in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
        left, bottom, right, top = picture.get_bounds()
        covered += max(right - left, 0) * max(top - bottom, 0)
    return bool(covered / area >= LARGE_PICTURE)


def _chars(textpage: pdfium.PdfTextPage) -> list[str]:
    unicode = pdfium_c.FPDFText_GetUnicode
    return [chr(unicode(textpage, index) or 32) for index in range(textpage.count_chars())]


def _open(data: bytes) -> pdfium.PdfDocument:
    if b"%PDF-" not in data[:1024]:
        raise RenderError("the file is not a PDF")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise RenderError("the PDF is password-protected") from exc
        raise RenderError(f"the PDF cannot be read: {exc}") from exc
    if len(document) == 0:
        document.close()
        raise RenderError("the PDF has no pages")
    return document


def redacted_pdf(data: bytes, blackouts: Sequence[Blackout], dpi: int = 150) -> bytes:
    """Every page of the PDF as an image at `dpi`, each blackout's quote burned out wherever
    it occurs; RenderError if one is found nowhere, or the PDF cannot be read or rendered."""
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise RenderError(f"a resolution of {dpi} dpi is outside {MIN_DPI}-{MAX_DPI}")
    burner = Burner(blackouts)
    writer = pypdf.PdfWriter()
    document = _open(data)
    try:
        for number in range(1, len(document) + 1):
            _redact_page(document, number, burner, dpi, writer)
    except pdfium.PdfiumError as exc:
        raise RenderError(f"the PDF cannot be rendered: {exc}") from exc
    finally:
        document.close()
    burner.unfound()
    return write(writer, [b"redacted", data, str(dpi).encode(),
                          *(f"{b.quote}\0{b.label}".encode() for b in blackouts)])


def _redact_page(document: pdfium.PdfDocument, number: int, burner: Burner, dpi: int,
                 writer: pypdf.PdfWriter) -> None:
    page = document[number - 1]
    # Annotations and form fields with an appearance become page content (text included);
    # what cannot be flattened is not drawn either (draw_annots=False below).
    if pdfium_c.FPDFPage_Flatten(page, pdfium_c.FLAT_NORMALDISPLAY) == pdfium_c.FLATTEN_SUCCESS:
        page.close()
        page = document[number - 1]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        chars = _chars(textpage)
        ocr_needed = not any(char.isalnum() for char in chars) or _large_picture(page)
        scale = max(dpi, OCR_DPI if ocr_needed and burner.blackouts else dpi) / 72
        _check_size(width * scale, height * scale, f"page {number}")
        bitmap = page.render(scale=scale, may_draw_forms=False, draw_annots=False)
        image = bitmap.to_pil().convert("RGB")
        convert = bitmap.get_posconv(page)
        burns = []
        for index, blackout in enumerate(burner.blackouts):
            for covered in matches(chars, blackout.quote):
                burner.found[index] = True
                burns.append((_lines(_char_rect(textpage, convert, i) for i in covered), blackout.label))
        textpage.close()
        bitmap.close()
    finally:
        page.close()
    burns += _words_rects(image, burner, number, ocr_needed)
    for rects, label in burns:
        _burn(image, rects, label, pad=max(1.0, scale))
    image = _gray_if_grey(image)
    if (image.width > image.height) != (width > height):  # the page is turned (/Rotate): its size too
        width, height = height, width
    _add_page(writer, image, width, height, jpeg=False)


def _char_rect(textpage: pdfium.PdfTextPage, convert: pdfium.PdfPosConv, index: int) -> Rect:
    """A character's box in the bitmap's pixels (rotation included: the corners are sorted)."""
    left, bottom, right, top = textpage.get_charbox(index, loose=True)
    x0, y0 = convert.to_bitmap(left, bottom)
    x1, y1 = convert.to_bitmap(right, top)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def image_pdf(data: bytes, blackouts: Sequence[Blackout]) -> bytes:
    """A picture (PNG, JPEG, TIFF with every frame...) as PDF pages showing nothing but its
    pixels (no EXIF or other metadata), each blackout's quote burned out where OCR reads it."""
    try:
        with warnings.catch_warnings():  # Pillow warns of a decompression bomb at 89 million pixels
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise RenderError(f"the image is too large to render: {exc}") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise RenderError("the file is not an image that can be read") from exc
    if picture.format not in IMAGE_FORMATS:
        raise RenderError(f"{picture.format} images are not rendered")
    jpeg = picture.format == "JPEG"
    burner = Burner(blackouts)
    writer = pypdf.PdfWriter()
    try:
        for number, frame in enumerate(ImageSequence.Iterator(picture), start=1):
            _check_size(frame.width, frame.height, f"image {number}")
            _image_page(frame, number, burner, writer, jpeg)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, RenderError):
            raise
        raise RenderError(f"the image cannot be read: {exc}") from exc
    burner.unfound()
    return write(writer, [b"image", data, *(f"{b.quote}\0{b.label}".encode() for b in blackouts)])


def _image_page(frame: Image.Image, number: int, burner: Burner, writer: pypdf.PdfWriter, jpeg: bool) -> None:
    dpi = frame.info.get("dpi", (150, 150))
    resolution = float(dpi[0]) if isinstance(dpi, tuple) and dpi and 50 <= float(dpi[0]) <= 2400 else 150.0
    image = ImageOps.exif_transpose(frame)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    image = image.convert("L" if image.mode in ("1", "L", "I", "I;16", "F") else "RGB")
    for rects, label in _words_rects(image, burner, number, ocr_needed=True):
        _burn(image, rects, label, pad=max(1.0, image.height / 1000))
    width, height = image.width * 72 / resolution, image.height * 72 / resolution
    page_width, page_height = LETTER if width <= height else LETTER[::-1]
    fit = min(1.0, page_width / width, page_height / height)
    _add_page(writer, image, width * fit, height * fit, jpeg)
