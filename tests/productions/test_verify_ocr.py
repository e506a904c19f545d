"""The leak verifier reads page images by OCR: a box that did not burn in is a hit.

The scans are drawn with Pillow (DejaVu Sans, large) as tests/ingest/test_ocr.py does, and
their tesseract fixture skips these tests without tesseract (fails them under CI=true).
The tests of what happens without tesseract change PATH and always run.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from app.productions.package import PackageWriter, paths
from app.productions.verify import Report, verify_package
from ingest.extract import ocr
from tests.ingest.test_ocr import encoded, font, image_pdf, needs_tesseract, png_header_only, tesseract

__all__ = ["tesseract"]  # the fixture needs_tesseract uses

FORMS = ["078-05-1120", "078 05 1120", "078051120"]
LAYOUT = paths("VOL001")
SCANNED = LAYOUT.images + "CITY000004.pdf"
NATIVE = LAYOUT.natives + "CITY000006.png"
KEY = b"k" * 32


def page_image(*, boxed: bool = False) -> Image.Image:
    """A scanned line 'SSN 078-05-1120' in large type; `boxed`: the number under a black box."""
    image = Image.new("L", (900, 160), 255)
    draw = ImageDraw.Draw(image)
    draw.text((40, 40), "SSN 078-05-1120", font=font(64), fill=0)
    if boxed:
        left = 40 + draw.textlength("SSN ", font=font(64))
        draw.rectangle((left - 6, 30, 860, 130), fill=0)
    return image


def stamped(*pages: Image.Image) -> bytes:
    """Image pages as the renderer writes them: the picture, and a Bates stamp as text."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(648, 160), invariant=1)
    for number, image in enumerate(pages, start=4):
        pdf.drawImage(ImageReader(image), 0, 40, width=648, height=115)
        pdf.drawString(540, 12, f"CITY{number:06d}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def typed(text: str) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)
    pdf.drawString(72, 720, text)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def package(target: Path, **files: bytes) -> Path:
    with PackageWriter(target, date(2026, 3, 4)) as writer:
        for name, data in files.items():
            writer.add(name, data)
        writer.close()
    return target


def leaky(target: Path) -> Path:
    """Page 2 of the scanned PDF and the native PNG show the number; page 1 has it boxed."""
    return package(target, **{
        SCANNED: image_pdf(page_image(boxed=True), page_image()),
        LAYOUT.images + "CITY000001.pdf": typed("Budget memo"),
        NATIVE: encoded(page_image()),
    })


def places(report: Report) -> set[str]:
    return {hit.place for hit in report.hits}


@needs_tesseract
@pytest.mark.parametrize("form", FORMS)
def test_a_number_left_in_a_page_image_is_found_by_ocr(tmp_path: Path, form: str) -> None:
    report = verify_package(leaky(tmp_path / "p.zip"), [form], key=KEY)
    assert not report.ok
    assert places(report) == {SCANNED + " page 2 image (OCR)", NATIVE + " image (OCR)"}
    masked = {"078-05-1120": "999-99-9999", "078 05 1120": "999 99 9999", "078051120": "999999999"}
    assert {hit.redacted for hit in report.hits} == {masked[form]}
    assert report.checked["pages OCRed"] == 3  # the two scanned pages and the PNG, not the typed page
    assert report.warnings == [] and report.unreadable == []


@needs_tesseract
def test_a_number_under_a_burned_in_box_is_no_hit(tmp_path: Path) -> None:
    target = package(tmp_path / "p.zip", **{SCANNED: image_pdf(page_image(boxed=True))})
    report = verify_package(target, [FORMS[0]], key=KEY, ocr=True)
    assert report.ok and report.hits == []
    assert report.checked["pages OCRed"] == 1 and "pages not OCRed" not in report.checked


@needs_tesseract
def test_a_page_with_a_bates_stamp_as_text_is_still_read_for_its_picture(tmp_path: Path) -> None:
    target = package(tmp_path / "p.zip", **{SCANNED: stamped(page_image(boxed=True), page_image())})
    report = verify_package(target, ["078-05-1120"], key=KEY)
    assert places(report) == {SCANNED + " page 2 image (OCR)"}
    assert report.checked["pages OCRed"] == 2


@needs_tesseract
def test_a_multi_page_tiff_is_read_page_by_page(tmp_path: Path) -> None:
    tiff = encoded(page_image(boxed=True), "TIFF", save_all=True, append_images=[page_image()])
    target = package(tmp_path / "p.zip", **{LAYOUT.natives + "CITY000007.tif": tiff})
    report = verify_package(target, ["078051120"], key=KEY)
    assert places(report) == {LAYOUT.natives + "CITY000007.tif page 2 image (OCR)"}


def test_without_tesseract_pages_are_counted_unread_and_a_warning_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    assert not ocr.available()
    target = leaky(tmp_path / "p.zip")
    report = verify_package(target, [FORMS[0]], key=KEY)
    assert report.ok and report.hits == [] and report.unreadable == []
    assert report.checked["pages not OCRed"] == 3 and "pages OCRed" not in report.checked
    assert report.checked["pdf pages"] == 3
    assert report.warnings == [f"{ocr.UNAVAILABLE}: 3 pages were not read for text (PDF pages with no "
                               "text layer or a picture, and images); a redacted string on them would "
                               "not be found"]
    assert report.to_dict()["warnings"] == report.warnings


def test_when_ocr_is_required_pages_not_read_fail_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    report = verify_package(leaky(tmp_path / "p.zip"), [FORMS[0]], key=KEY, ocr=True)
    assert not report.ok and report.hits == [] and report.warnings == []
    assert sorted(report.unreadable) == [f"{SCANNED}: 2 pages not OCRed ({ocr.UNAVAILABLE})",
                                         f"{NATIVE}: 1 page not OCRed ({ocr.UNAVAILABLE})"]
    typed_only = package(tmp_path / "q.zip", **{LAYOUT.images + "CITY000001.pdf": typed("Budget memo")})
    assert verify_package(typed_only, [FORMS[0]], key=KEY, ocr=True).ok  # nothing needed OCR


def test_ocr_turned_off_reads_no_page_image(tmp_path: Path) -> None:
    report = verify_package(leaky(tmp_path / "p.zip"), [FORMS[0]], key=KEY, ocr=False)
    assert report.ok and report.checked["pages not OCRed"] == 3
    assert len(report.warnings) == 1 and report.warnings[0].startswith("OCR turned off: 3 pages were")


def test_an_image_too_large_to_decode_fails_the_package(tmp_path: Path) -> None:
    target = package(tmp_path / "p.zip", **{NATIVE: png_header_only(20_000, 20_000)})
    report = verify_package(target, [FORMS[0]], key=KEY)
    assert not report.ok and len(report.unreadable) == 1
    assert report.unreadable[0].startswith(f"{NATIVE}: image could not be read (Image size (400000000 ")
