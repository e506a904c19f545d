"""The Bates number and the endorsement on every page, in a strip added below the page.

The strip is new paper: the page is extended downward by STRIP points and the stamp drawn
there, so it can never cover anything the page shows (a scan that runs to the edge included).
A page turned by /Rotate is first turned in its content, so the strip is at the bottom as read.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pypdf
from pypdf import Transformation
from pypdf.generic import NameObject, RectangleObject
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from app.productions.render.boxes import RenderError
from app.productions.render.pdf import copy_pages, read, write

STRIP = 22.0  # points added below each page
MARGIN = 18.0
FONT, SIZE, SMALLEST = "Helvetica", 8.0, 5.0


def _fitted(text: str, room: float) -> tuple[str, float]:
    """The endorsement and a font size at which it fits the room; cut short with an ellipsis at worst."""
    size = SIZE
    while size > SMALLEST and stringWidth(text, FONT, size) > room:
        size -= 0.5
    while text and stringWidth(text, FONT, size) > room:
        text = text[:-2] + "…" if len(text) > 1 else ""
    return text, size


def _overlay(sizes: Sequence[float], numbers: Sequence[str], endorsement: str) -> pypdf.PdfReader:
    """One strip per page (as wide as the page): the endorsement at left, the number at right."""
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1, pageCompression=1)
    for width, number in zip(sizes, numbers, strict=True):
        canvas.setPageSize((width, STRIP))
        number_width = stringWidth(number, FONT, SIZE)
        canvas.setFont(FONT, SIZE)
        canvas.drawRightString(width - MARGIN, 8, number)
        text, size = _fitted(endorsement, width - 2 * MARGIN - number_width - 12)
        if text:
            canvas.setFont(FONT, size)
            canvas.drawString(MARGIN, 8, text)
        canvas.showPage()
    canvas.save()
    return pypdf.PdfReader(io.BytesIO(out.getvalue()))


def stamp(pdf: bytes, numbers: Sequence[str] | Callable[[int], Sequence[str]],
          endorsement: str) -> bytes:
    """The PDF with page i stamped numbers[i] (bottom right) and the endorsement (bottom left);
    one number per page or RenderError. `numbers` may be a function of the page count, so
    a caller numbering as it goes need not read the PDF once more to count its pages."""
    reader = read(pdf)
    if callable(numbers):
        numbers = numbers(len(reader.pages))
    if len(numbers) != len(reader.pages):
        raise RenderError(f"{len(numbers)} Bates numbers for {len(reader.pages)} pages")
    writer = copy_pages(reader)
    boxes = []
    for page in writer.pages:
        if page.rotation % 360:
            page.transfer_rotation_to_content()
        crop = page.cropbox
        left, bottom, right, top = float(crop.left), float(crop.bottom), float(crop.right), float(crop.top)
        media = page.mediabox
        page.mediabox = RectangleObject((
            min(float(media.left), left), min(float(media.bottom), bottom - STRIP),
            max(float(media.right), right), max(float(media.top), top)))
        page.cropbox = RectangleObject((left, bottom - STRIP, right, top))
        for key in ("/TrimBox", "/BleedBox", "/ArtBox"):
            page.pop(NameObject(key), None)
        boxes.append((left, bottom, right - left))
    overlay = _overlay([width for _, _, width in boxes], numbers, endorsement)
    for page, strip, (left, bottom, _) in zip(writer.pages, overlay.pages, boxes, strict=True):
        page.merge_transformed_page(strip, Transformation().translate(left, bottom - STRIP))
    return write(writer, [b"stamp", pdf, *(n.encode() for n in numbers), endorsement.encode()])
