"""Rendering for productions, checked with tools of their own: poppler's pdftotext reads the
text layer, tesseract reads the pixels, pypdfium2 renders the pages we wrote."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from collections.abc import Callable

import pypdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf.actions import JavaScript
from pypdf.generic import NameObject
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from app.productions.render import (
    STRIP,
    Blackout,
    Box,
    RenderError,
    email_pdf,
    image_pdf,
    page_count,
    pdf_without_metadata,
    redacted_pdf,
    slip_sheet,
    stamp,
    text_pdf,
    transcript_pdf,
)

SSN, PASSWORD, MEDICAL = "078-05-1120", "hunter2", "schizophrenia"
LABEL = "REDACTED (3)(a)(IV)"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BODY = (f"Hi Bob,\nMy SSN is {SSN} and the password is {PASSWORD}.\n"
        f"The diagnosis was {MEDICAL}; <b>please</b> keep the budget memo.\n\nThanks, Alice")


def pdftotext(pdf: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run(["pdftotext", *pages, "-", "-"], input=pdf, capture_output=True, check=True,
                          timeout=60)
    return done.stdout.decode()


def tesseract(png: bytes) -> str:
    done = subprocess.run(["tesseract", "stdin", "stdout"], input=png, capture_output=True, check=True,
                          timeout=120)
    return done.stdout.decode()


def rendered(pdf: bytes, page: int = 0, dpi: int = 150) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[page].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()


def png_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def boxes_for(text: str) -> list[Box]:
    return [Box(text.index(quote), text.index(quote) + len(quote), LABEL)
            for quote in (SSN, PASSWORD, MEDICAL)]


def text_layer_pdf() -> bytes:
    """Two pages of real text; the SSN written two ways."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=letter, invariant=1)
    canvas.setTitle("Personnel file")
    canvas.setAuthor("Jane Author")
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 700, f"Employee SSN: {SSN} on file.")
    canvas.drawString(72, 680, "Budget memo attached.")
    canvas.showPage()
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 700, "Page two repeats 078 05 1120 here.")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def scan_image() -> Image.Image:
    """A 200 dpi 'scan': text only as pixels."""
    image = Image.new("L", (1700, 2200), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    draw.text((150, 300), f"Claimant SSN {SSN} recorded", fill=0, font=font)
    draw.text((150, 400), "Budget memo approved", fill=0, font=font)
    return image


def scan_pdf() -> bytes:
    out = io.BytesIO()
    scan_image().save(out, format="PDF", resolution=200)
    return out.getvalue()


def no_metadata(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert "/Info" not in reader.trailer
    assert "/Metadata" not in reader.trailer["/Root"]
    assert b"CreationDate" not in pdf and b"ModDate" not in pdf


@pytest.mark.parametrize("make", [
    lambda: email_pdf([("From", "alice@city.gov"), ("Subject", "Budget <memo>")], BODY, boxes_for(BODY)),
    lambda: transcript_pdf([("Caller", "+1 303 555 0100"), ("Received", "2026-01-05 10:00")], BODY,
                           boxes_for(BODY)),
    lambda: text_pdf("report.docx", BODY, boxes_for(BODY),
                     "Rendered from the extracted text of report.docx; the original is withheld "
                     "because it carries redactions"),
], ids=["email", "transcript", "text"])
def test_redacted_spans_are_boxes_in_the_text_layer(make: Callable[[], bytes]) -> None:
    pdf = make()
    text = pdftotext(pdf)
    for secret in (SSN, "1120", PASSWORD, MEDICAL):
        assert secret not in text
    assert text.count(LABEL) == 3
    assert "budget memo" in text and "Thanks, Alice" in text
    assert "<b>please</b>" in text  # the document's markup is shown, not obeyed
    assert make() == pdf
    no_metadata(pdf)
    assert page_count(pdf) == 1


def test_headers_note_and_box_are_drawn() -> None:
    pdf = email_pdf([("From", "alice@city.gov"), ("Subject", "Budget <memo>")], BODY, boxes_for(BODY))
    text = pdftotext(pdf)
    assert "alice@city.gov" in text and "Budget <memo>" in text
    page = rendered(pdf)
    assert sum(page.histogram()[:40]) > 2000  # three black boxes
    note = text_pdf("report.docx", "x", [], "Rendered from the extracted text of report.docx")
    assert "Rendered from the extracted text of report.docx" in pdftotext(note)
    assert "Voicemail transcript" in pdftotext(transcript_pdf([], "hello", []))


def test_overlapping_boxes_join_and_boxes_outside_the_text_are_refused() -> None:
    text = "alpha beta gamma"
    pdf = text_pdf("t", text, [Box(0, 10, "A"), Box(6, 16, "B")], "n")
    assert "alpha" not in pdftotext(pdf) and "gamma" not in pdftotext(pdf) and "A; B" in pdftotext(pdf)
    with pytest.raises(RenderError, match="outside the text"):
        text_pdf("t", text, [Box(5, 99, "A")], "n")
    with pytest.raises(RenderError, match="outside the text"):
        email_pdf([], text, [Box(4, 4, "A")])


def test_a_long_text_runs_over_pages_and_control_characters_do_no_harm() -> None:
    text = ("line of ordinary words\n" * 400) + "x" * 5000 + "\x00\x07 the end"
    pdf = text_pdf("long.txt", text, [], "n")
    assert page_count(pdf) > 5
    assert "the end" in pdftotext(pdf, page_count(pdf))


def test_slip_sheet() -> None:
    pdf = slip_sheet("report.docx", ["Withheld: privileged", "Citation: 24-72-204(3)(a)(IV)"])
    text = pdftotext(pdf)
    assert "report.docx" in text and "Withheld: privileged" in text and "24-72-204(3)(a)(IV)" in text
    assert page_count(pdf) == 1
    no_metadata(pdf)


def test_a_pdf_with_text_is_rasterized_and_the_ssn_burned_out() -> None:
    source = text_layer_pdf()
    pdf = redacted_pdf(source, [Blackout(SSN, LABEL)])
    assert page_count(pdf) == 2
    assert pdftotext(pdf).strip() == ""  # no text layer at all
    assert b"/Font" not in pdf
    no_metadata(pdf)
    # Where the SSN was on page 1 (found on the source with pdfium), the output is black.
    document = pdfium.PdfDocument(source)
    textpage = document[0].get_textpage()
    start = textpage.get_text_range().index(SSN)
    lefts, bottoms, rights, tops = zip(*(textpage.get_charbox(i) for i in range(start, start + len(SSN))),
                                       strict=True)
    document.close()
    scale = 150 / 72
    page = rendered(pdf, 0)
    region = page.crop((int(min(lefts) * scale) + 2, int((792 - max(tops)) * scale) + 2,
                        int(max(rights) * scale) - 2, int((792 - min(bottoms)) * scale) - 2))
    assert region.getextrema()[1] < 60
    # And the words around it are still there to read.
    read = tesseract(png_of(page))
    assert "Employee" in read and "Budget" in read and "1120" not in read
    assert "1120" not in tesseract(png_of(rendered(pdf, 1)))  # "078 05 1120" on page 2 too


def test_an_image_only_pdf_is_redacted_by_ocr() -> None:
    pdf = redacted_pdf(scan_pdf(), [Blackout(SSN, LABEL)])
    read = tesseract(png_of(rendered(pdf, 0, dpi=200)))
    assert "Claimant" in read and "Budget" in read
    assert "1120" not in read and "078" not in read
    no_metadata(pdf)


def test_an_image_is_a_page_without_its_exif_and_with_the_ssn_burned_out() -> None:
    exif = Image.Exif()
    exif[0x013B] = "Photographer Jane Secret"  # Artist
    out = io.BytesIO()
    scan_image().convert("RGB").save(out, format="JPEG", quality=95, exif=exif.tobytes(), dpi=(200, 200))
    pdf = image_pdf(out.getvalue(), [Blackout(SSN, LABEL)])
    assert b"Jane Secret" not in pdf and b"Exif" not in pdf
    read = tesseract(png_of(rendered(pdf, 0, dpi=200)))
    assert "Claimant" in read and "1120" not in read
    assert pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width == 612
    no_metadata(pdf)


def test_every_frame_of_a_tiff_is_a_page() -> None:
    out = io.BytesIO()
    first = scan_image()
    first.save(out, format="TIFF", save_all=True, append_images=[first.rotate(180)])
    assert page_count(image_pdf(out.getvalue(), [])) == 2


def test_a_quote_found_on_no_page_is_an_error_that_does_not_repeat_it() -> None:
    with pytest.raises(RenderError, match="not found on any page") as raised:
        redacted_pdf(text_layer_pdf(), [Blackout("Marigold Hernandez", "REDACTED (3)(a)(II)")])
    assert "Marigold" not in str(raised.value) and "REDACTED (3)(a)(II)" in str(raised.value)


def test_pass_through_strips_metadata_attachments_and_javascript() -> None:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(text_layer_pdf()))
    writer.add_metadata({"/Title": "Secret Title", "/Author": "Jane Author"})
    writer.xmp_metadata = pypdf.xmp.XmpInformation.create()  # type: ignore[attr-defined]
    writer.add_attachment("notes.txt", b"ATTACHED-SECRET")
    writer.add_open_action(JavaScript("app.alert('hi');"))
    out = io.BytesIO()
    writer.write(out)
    source = out.getvalue()
    assert b"ATTACHED-SECRET" in source or b"/EmbeddedFiles" in source
    pdf = pdf_without_metadata(source)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.metadata is None and reader.xmp_metadata is None
    assert reader.attachments == {} and NameObject("/Names") not in reader.trailer["/Root"]
    assert b"Secret Title" not in pdf and b"Jane Author" not in pdf and b"app.alert" not in pdf
    assert SSN in pdftotext(pdf, 1) and page_count(pdf) == 2  # unredacted: the text stays
    assert pdf_without_metadata(source) == pdf


def test_stamp_numbers_every_page_below_its_content() -> None:
    raster = redacted_pdf(text_layer_pdf(), [Blackout(SSN, LABEL)])
    pdf = stamp(raster, ["CITY000001", "CITY000002"], "Produced under CORA, request 2026-0042")
    assert "CITY000001" in pdftotext(pdf, 1) and "CITY000002" not in pdftotext(pdf, 1)
    assert "CITY000002" in pdftotext(pdf, 2)
    assert "Produced under CORA, request 2026-0042" in pdftotext(pdf, 2)
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert float(page.cropbox.height) == 792 + STRIP and float(page.cropbox.bottom) == -STRIP
    no_metadata(pdf)
    html = stamp(email_pdf([("From", "a@b.c")], BODY, boxes_for(BODY)), ["CITY000003"], "Produced")
    assert "CITY000003" in pdftotext(html) and "budget memo" in pdftotext(html)


def test_stamp_on_a_turned_page_is_at_the_bottom_as_read() -> None:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(text_layer_pdf()))
    writer.pages[0].rotate(90)
    out = io.BytesIO()
    writer.write(out)
    pdf = stamp(pdf_without_metadata(out.getvalue()), ["CITY000001", "CITY000002"], "Produced")
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert page.rotation == 0 and float(page.cropbox.width) == 792  # landscape, as it was shown
    image = rendered(pdf, 0, dpi=100)
    strip = image.crop((0, image.height - int(STRIP * 100 / 72), image.width, image.height))
    assert strip.getextrema()[0] < 128  # the stamp's ink is in the bottom strip
    assert "CITY000001" in pdftotext(pdf, 1)


def test_stamp_needs_one_number_per_page() -> None:
    with pytest.raises(RenderError, match="2 Bates numbers for 1 pages"):
        stamp(slip_sheet("x", []), ["A1", "A2"], "e")


DETERMINISM = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.productions.test_render import outputs
print(hashlib.sha256(b"".join(outputs())).hexdigest())
"""


def outputs() -> list[bytes]:
    raster = redacted_pdf(text_layer_pdf(), [Blackout(SSN, LABEL)])
    return [email_pdf([("From", "a@b.c")], BODY, boxes_for(BODY)), text_pdf("t", BODY, [], "n"),
            slip_sheet("x", ["y"]), raster, pdf_without_metadata(text_layer_pdf()),
            stamp(raster, ["C1", "C2"], "Produced")]


def test_the_same_inputs_give_the_same_bytes_in_another_process() -> None:
    here = hashlib.sha256(b"".join(outputs())).hexdigest()
    assert hashlib.sha256(b"".join(outputs())).hexdigest() == here
    import pathlib
    root = str(pathlib.Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", DETERMINISM.format(root=root)], capture_output=True,
                          check=True, timeout=300, cwd=root)
    assert done.stdout.decode().strip() == here


def encrypted() -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(text_layer_pdf()))
    writer.encrypt(user_password="open sesame", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def huge_page() -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(14400, 14400), invariant=1)
    canvas.drawString(72, 72, SSN)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


@pytest.mark.parametrize(("render", "data", "reason"), [
    (redacted_pdf, b"GIF89a not a pdf", "not a PDF"),
    (pdf_without_metadata, b"PK\x03\x04 a zip", "not a PDF"),
    (page_count, b"", "not a PDF"),
    (pdf_without_metadata, b"%PDF-1.7\n garbage without objects", "cannot be read|no pages"),
    (redacted_pdf, b"%PDF-1.7\n garbage without objects", "cannot be read|no pages"),
    (pdf_without_metadata, encrypted(), "password"),
    (redacted_pdf, encrypted(), "password"),
    (redacted_pdf, huge_page(), "cannot be rendered"),
    (image_pdf, b"%PDF-1.4 not an image", "not an image"),
], ids=["raster-gif", "pass-zip", "count-empty", "pass-garbage", "raster-garbage", "pass-encrypted",
        "raster-encrypted", "raster-huge", "image-pdf"])
def test_hostile_input_is_a_clear_error(render: Callable[..., bytes], data: bytes, reason: str) -> None:
    with pytest.raises(RenderError, match=reason):
        if render is redacted_pdf:
            render(data, [Blackout(SSN, LABEL)])
        elif render is image_pdf:
            render(data, [])
        else:
            render(data)
    assert issubclass(RenderError, ValueError)


def test_a_huge_image_is_refused_before_it_is_decoded() -> None:
    out = io.BytesIO()
    Image.new("1", (12000, 12000), 1).save(out, format="PNG")
    with pytest.raises(RenderError, match="too large to render"):
        image_pdf(out.getvalue(), [])
