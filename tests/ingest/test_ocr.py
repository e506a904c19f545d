"""OCR of scans with Debian's tesseract: images, PDF pages without text, hostile images.

The scans are drawn here with Pillow (DejaVu Sans, large enough for tesseract) and kept
small so each OCR takes a fraction of a second. Without tesseract these tests skip, but
fail under CI=true; the tests of what happens without it change PATH and always run.
"""

from __future__ import annotations

import io
import struct
import zlib
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.db import Database
from app.models import Document, TextStatus
from ingest.extract import builtin, ocr, scanned
from ingest.extract.base import Extracted, ExtractionError
from ingest.extract.limits import Limits
from ingest.extract.tika import TikaClient
from tests.conftest import _missing
from tests.ingest.conftest import RunIngest

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SSN, DIAGNOSIS = "SSN 078-05-1120", "Patient has diabetes"
LINES = ((20, 15, SSN), (20, 60, DIAGNOSIS))
needs_tesseract = pytest.mark.usefixtures("tesseract")


@pytest.fixture
def tesseract() -> None:
    if not ocr.available():
        _missing("tesseract is not installed: run scripts/install-tools.sh")
    if not FONT.exists():
        _missing(f"{FONT} is missing (Debian fonts-dejavu-core) to draw the test scans")


def font(size: int = 28) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def scan(lines: tuple[tuple[int, int, str], ...] = LINES, size: tuple[int, int] = (620, 110)) -> Image.Image:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for x, y, words in lines:
        draw.text((x, y), words, font=font(), fill=0)
    return image


def encoded(image: Image.Image, kind: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def image_pdf(*pages: Image.Image) -> bytes:
    """A PDF of page images only, as a scanner makes: no text layer."""
    return encoded(pages[0], "PDF", resolution=100, save_all=True, append_images=list(pages[1:]))


def squash(text: str) -> str:
    return " ".join(text.split())


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be `width` x `height` pixels: a decompression bomb's header."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@needs_tesseract
@pytest.mark.parametrize(("kind", "name"), [
    ("PNG", "scan.png"), ("JPEG", "scan.jpg"), ("TIFF", "scan.tif"), ("GIF", "scan.gif"), ("BMP", "scan.bmp"),
])
def test_images_get_their_text_by_ocr(kind: str, name: str) -> None:
    extracted = builtin.extract(encoded(scan(), kind), name)
    assert SSN in extracted.text and DIAGNOSIS in extracted.text
    assert extracted.content_type.startswith("image/")
    assert extracted.extractor.endswith(f" + tesseract {ocr.version()}")
    assert extracted.note == ""


@needs_tesseract
def test_page_text_and_version() -> None:
    assert squash(ocr.page_text(encoded(scan()))) == f"{SSN} {DIAGNOSIS}"
    assert ocr.version()[0].isdigit()


@needs_tesseract
def test_words_give_boxes_that_cover_each_word() -> None:
    image = scan()
    found = {word.text: word for word in ocr.words(encoded(image))}
    assert {"SSN", "078-05-1120", "Patient", "has", "diabetes"} <= set(found)
    x = 20 + ImageDraw.Draw(image).textlength("SSN ", font=font())
    ink = ImageOps.invert(scan(((round(x), 15, "078-05-1120"),))).getbbox()  # the digits' ink alone
    assert ink is not None
    word = found["078-05-1120"]
    right, bottom = word.left + word.width, word.top + word.height
    assert word.left >= 0 and word.top >= 0 and right <= image.width and bottom <= image.height
    assert word.left <= ink[0] + 2 and word.top <= ink[1] + 2
    assert right >= ink[2] - 2 and bottom >= ink[3] - 2
    assert word.width <= ink[2] - ink[0] + 8 and word.height <= ink[3] - ink[1] + 8  # tight, not the line
    assert 50 < word.conf <= 100
    assert found["SSN"].left < word.left < found["has"].left + 200


@needs_tesseract
def test_a_pdf_with_a_text_layer_is_not_ocred() -> None:
    """Invisible text over nothing, as a searchable scan has: OCR would see a blank page."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(300, 200), invariant=1)
    page.setTitle("Intake form")
    text = page.beginText(20, 100)
    text.setTextRenderMode(3)  # invisible
    text.textLine("Searchable layer 42")
    page.drawText(text)
    page.save()
    extracted = builtin.extract(buffer.getvalue(), "searchable.pdf")
    assert squash(extracted.text) == "Intake form Searchable layer 42"
    assert "tesseract" not in extracted.extractor and extracted.note == ""


@needs_tesseract
def test_only_the_pages_without_text_are_ocred() -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(500, 200), invariant=1)
    pdf.setTitle("Minutes")
    pdf.drawString(20, 100, "Council minutes of March")
    pdf.showPage()
    pdf.drawImage(ImageReader(scan()), 0, 50, width=620 * 0.72, height=110 * 0.72)
    pdf.showPage()
    pdf.save()
    extracted = builtin.extract(buffer.getvalue(), "minutes.pdf")
    assert squash(extracted.text) == f"Minutes Council minutes of March {SSN} {DIAGNOSIS}"
    assert extracted.extractor.startswith("builtin/pdf ") and " + tesseract " in extracted.extractor


@needs_tesseract
def test_pages_past_the_limit_are_left_with_a_note() -> None:
    second = scan(((20, 15, "Second page"), (20, 60, "Invoice 5521")))
    extracted = builtin.extract(image_pdf(scan(), second), "two.pdf", limits=Limits(max_ocr_pages=1))
    assert SSN in extracted.text and "Invoice" not in extracted.text
    assert extracted.note == "OCR read the first 1 of 2 pages without text (the limit per document)"


@needs_tesseract
def test_a_huge_pdf_page_is_rendered_within_the_pixel_limit() -> None:
    """2000 points square is 69 million pixels at 300 dpi; the page is drawn smaller instead."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(2000, 2000), invariant=1)
    pdf.drawImage(ImageReader(scan()), 0, 1000, width=1240, height=220)
    pdf.save()
    pages = scanned.read_pdf_pages(buffer.getvalue(), [0], Limits(max_ocr_pixels=4_000_000))
    assert squash(pages.texts[0]) == f"{SSN} {DIAGNOSIS}"


@needs_tesseract
def test_a_multi_page_tiff_reads_every_page() -> None:
    second = scan(((20, 15, "Second page"), (20, 60, "Invoice 5521")))
    data = encoded(scan(), "TIFF", save_all=True, append_images=[second])
    extracted = builtin.extract(data, "fax.tif")
    assert squash(extracted.text) == f"{SSN} {DIAGNOSIS} Second page Invoice 5521"
    assert extracted.metadata["page_count"] == "2"


@needs_tesseract
def test_transparent_images_are_read_on_white() -> None:
    """Black text on a clear background: flattened onto black it would vanish."""
    clear = Image.new("LA", (620, 110), (0, 0))
    ImageDraw.Draw(clear).text((20, 15), SSN, font=font(), fill=(0, 255))
    assert SSN in builtin.extract(encoded(clear), "logo.png").text


@needs_tesseract
@pytest.mark.parametrize(("data", "reason"), [
    (png_header_only(100_000, 100_000),
     "image/png: image too large to OCR: Image size (10000000000 pixels) exceeds limit"),
    (png_header_only(8000, 8000),
     "image/png: image too large to OCR: 8000x8000 pixels, over the limit of 40000000"),
    (b"\x89PNG\r\n\x1a\n" + b"\x07" * 300, "image/png: not a readable image"),
    (b"\xff\xd8\xff" + b"\x07" * 300, "image/jpeg: not a readable image"),
], ids=["pillow-bomb", "over-our-limit", "garbage-png", "garbage-jpeg"])
def test_bombs_and_broken_images_are_extract_errors(data: bytes, reason: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        builtin.extract(data, "scan.png")
    assert caught.value.reason.startswith(reason) and not caught.value.retryable


@needs_tesseract
def test_ocr_takes_only_checked_pngs_and_stops_at_its_time_out() -> None:
    with pytest.raises(ExtractionError, match="OCR needs a PNG image, not JPEG"):
        ocr.words(encoded(scan(), "JPEG"))
    with pytest.raises(ExtractionError, match="OCR refused the image: 8000x8000 pixels"):
        ocr.page_text(png_header_only(8000, 8000))
    with pytest.raises(ExtractionError) as caught:
        ocr.page_text(encoded(scan()), timeout=0.001)
    assert caught.value.reason == "OCR timed out after 0.001s" and caught.value.retryable


def message(*attachments: tuple[str, str, bytes]) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Dana Whitfield <dwhitfield@springvale-co.example>"
    mail["To"] = "records@springvale-co.example"
    mail["Subject"] = "Scanned intake forms"
    mail["Date"] = "Thu, 05 Mar 2026 09:30:00 -0700"
    mail.set_content("The scans are attached.")
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(mail)


def attachments(database: Database) -> dict[str, Document]:
    with database.reading() as session:
        found = session.scalars(select(Document).options(selectinload(Document.text))
                                .where(Document.parent_id.is_not(None)))
        return {document.filename: document for document in found}


@needs_tesseract
def test_scans_attached_to_mail_are_ingested_with_their_text(
    tmp_path: Path, database: Database, run_ingest: RunIngest
) -> None:
    (tmp_path / "intake.eml").write_bytes(message(
        ("intake.pdf", "application/pdf", image_pdf(scan())),
        ("photo.png", "image/png", encoded(scan())),
        ("bomb.png", "image/png", png_header_only(100_000, 100_000)),
        ("broken.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x07" * 300),
    ))
    job = run_ingest("dwhitfield", tmp_path / "intake.eml")
    assert job.counts["new"] == 1
    found = attachments(database)
    for name in ("intake.pdf", "photo.png"):
        document = found[name]
        assert document.text_status == TextStatus.ok and document.extract_error == ""
        assert document.text is not None and SSN in document.text.text and DIAGNOSIS in document.text.text
        assert " + tesseract " in document.text.extractor
    assert found["bomb.png"].text_status == TextStatus.failed
    assert "image too large to OCR" in found["bomb.png"].extract_error
    assert found["broken.png"].text_status == TextStatus.failed
    assert "not a readable image" in found["broken.png"].extract_error


def test_without_tesseract_scans_keep_no_text_and_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: Database, run_ingest: RunIngest
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    assert not ocr.available()
    image = builtin.extract(encoded(scan()), "photo.png")
    assert (image.text, image.extractor, image.note) == ("", "builtin", ocr.UNAVAILABLE)
    pdf = builtin.extract(image_pdf(scan(), scan()), "intake.pdf")
    assert pdf.text == "" and pdf.note == f"{ocr.UNAVAILABLE}; 2 pages have no text layer"
    with pytest.raises(ExtractionError, match="OCR unavailable"):
        ocr.words(encoded(scan()))
    (tmp_path / "intake.eml").write_bytes(message(("intake.pdf", "application/pdf", image_pdf(scan()))))
    run_ingest("dwhitfield", tmp_path / "intake.eml")
    document = attachments(database)["intake.pdf"]
    assert document.text_status == TextStatus.empty
    assert document.extract_error == f"{ocr.UNAVAILABLE}; 1 page has no text layer"


@needs_tesseract
@pytest.mark.tika
def test_what_tika_finds_no_text_in_is_ocred(tika_url: str) -> None:
    with TikaClient(tika_url) as client:
        pdf = client.extract(image_pdf(scan()), "intake.pdf")
        image = client.extract(encoded(scan()), "photo.png")
        typed = client.extract(b"Plain words.", "note.txt")
    for extracted in (pdf, image):
        assert squash(extracted.text) == f"{SSN} {DIAGNOSIS}"
        assert extracted.extractor == f"tika {client.version()} + tesseract {ocr.version()}"
    assert "tesseract" not in typed.extractor


@needs_tesseract
def test_with_ocr_leaves_text_that_was_found() -> None:
    found = Extracted(text="Already read", content_type="application/pdf", extractor="tika 3.3.2")
    assert scanned.with_ocr(found, image_pdf(scan())) is found
    assert found.extractor == "tika 3.3.2"
