"""The leak verifier finds a redacted string wherever it was left, in any of its forms."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject
from reportlab.pdfgen import canvas

from app.productions.loadfiles import write_dat
from app.productions.package import PackageWriter, paths
from app.productions.verify import Report, normalise, verify_package

SSN = "078-05-1120"
FORMS = ["078-05-1120", "078 05 1120", "078051120"]
LAYOUT = paths("VOL001")
PDF = LAYOUT.images + "CITY000001.pdf"
KEY = b"k" * 32


def pdf(text: str = "Produced page", title: str = "CITY000001") -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, invariant=1)
    page.setTitle(title)
    page.drawString(72, 720, text)
    page.showPage()
    page.drawString(72, 720, "Second page")
    page.showPage()
    page.save()
    return out.getvalue()


def with_xmp(data: bytes, xmp: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(data))
    stream = StreamObject()
    stream.set_data(xmp.encode())
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream = stream.flate_encode()  # compressed, so only reading the stream finds it
    writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png(text: str | None = None, *, compressed: bool = False) -> bytes:
    info = PngImagePlugin.PngInfo()
    if text is not None:
        info.add_text("Comment", text, zip=compressed)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def package(target: Path, **planted: str) -> Path:
    """A small clean package; `planted` puts a string in one named place."""
    subject = planted.get("dat", "Budget")
    with PackageWriter(target, date(2026, 3, 4)) as writer:
        writer.add(PDF, pdf(planted.get("text_layer", "Produced page"), planted.get("title", "CITY000001")))
        if "xmp" in planted:
            writer.add(LAYOUT.images + "CITY000003.pdf",
                       with_xmp(pdf(), f"<x:xmpmeta><dc:title>{planted['xmp']}</dc:title></x:xmpmeta>"))
        writer.add(LAYOUT.natives + "CITY000004.png", png(planted.get("png")))
        writer.add(LAYOUT.text + "CITY000001.txt",
                   f"Redacted text: [REDACTED] {planted.get('text_file', '')}".encode())
        with writer.open(LAYOUT.dat) as out:
            write_dat([{"BEGBATES": "CITY000001", "SUBJECT": subject}], out)
        if "file_name" in planted:
            name = planted["file_name"].replace(" ", "_")  # spaces are not allowed in names
            writer.add(LAYOUT.natives + name + ".txt", f"{planted['file_name']} is the name".encode())
        writer.close()
    if "zip_comment" in planted:
        with zipfile.ZipFile(target, "a") as archive:
            archive.comment = f"Built for {planted['zip_comment']}".encode()
    return target


PLACES: dict[str, tuple[str, Callable[[str], str]]] = {
    "text_layer": (PDF + " page 1 text", lambda form: f"SSN {form} on file"),
    "title": (PDF + " metadata", lambda form: f"Employee {form}"),
    "xmp": (LAYOUT.images + "CITY000003.pdf XMP", lambda form: form),
    "png": (LAYOUT.natives + "CITY000004.png image metadata", lambda form: f"ssn={form}"),
    "text_file": (LAYOUT.text + "CITY000001.txt", lambda form: f"({form})"),
    "dat": (LAYOUT.dat, lambda form: f"Re: {form}"),
    "file_name": ("zip listing", lambda form: form),
    "zip_comment": ("zip listing", lambda form: form),
}


def places(report: Report) -> set[str]:
    return {hit.place for hit in report.hits}


def test_a_clean_package_passes(tmp_path: Path) -> None:
    report = verify_package(package(tmp_path / "p.zip"), [SSN, "Jane Q. Public"], key=KEY)
    assert report.ok and report.hits == [] and report.unreadable == []
    assert report.checked["pdf pages"] == 2 and report.checked["images"] == 1
    assert report.checked["files"] == 5 and report.checked["redacted strings"] == 2


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("where", list(PLACES))
def test_a_planted_number_is_found_in_each_place_in_each_form(tmp_path: Path, where: str, form: str) -> None:
    place, value = PLACES[where]
    report = verify_package(package(tmp_path / "p.zip", **{where: value(form)}), [SSN], key=KEY)
    assert not report.ok
    assert place in places(report), places(report)
    for hit in report.hits:
        assert hit.redacted == "999-99-9999" and hit.index == 0
        assert "1120" not in hit.place + hit.detail


@pytest.mark.parametrize("form", FORMS)
def test_each_form_of_the_redacted_string_finds_the_others(tmp_path: Path, form: str) -> None:
    target = package(tmp_path / "p.zip", text_file="078-05-1120 / 078 05 1120 / 078051120")
    report = verify_package(target, [form], key=KEY)
    assert (LAYOUT.text + "CITY000001.txt") in places(report)


def test_a_compressed_png_text_chunk_is_found_through_the_image(tmp_path: Path) -> None:
    with PackageWriter(tmp_path / "p.zip", date(2026, 3, 4)) as writer:
        writer.add("VOL001/NATIVES/a.png", png(f"ssn {SSN} " * 20, compressed=True))
        writer.close()
    report = verify_package(tmp_path / "p.zip", [SSN], key=KEY)
    assert places(report) == {"VOL001/NATIVES/a.png image metadata"}


def test_a_native_that_is_a_zip_is_searched_inside(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as docx:
        docx.writestr("word/document.xml", f"<w:t>Jane Q.  Public</w:t><w:t>{'x' * 500}</w:t>")
    with PackageWriter(tmp_path / "p.zip", date(2026, 3, 4)) as writer:
        writer.add("VOL001/NATIVES/CITY000009.docx", inner.getvalue())
        writer.close()
    report = verify_package(tmp_path / "p.zip", ["jane q. public"], key=KEY)
    assert places(report) == {"VOL001/NATIVES/CITY000009.docx!word/document.xml"}
    assert report.hits[0].redacted == "xxxx x. xxxxxx"


def test_digits_match_whole_runs_only(tmp_path: Path) -> None:
    clean = package(tmp_path / "p.zip", text_file="See CITY001234 and 91234 and 12345.")
    assert verify_package(clean, ["1234"], key=KEY).ok
    leaked = package(tmp_path / "q.zip", text_file="See CITY001234, then PIN 1234.")
    assert places(verify_package(leaked, ["1234"], key=KEY)) == {LAYOUT.text + "CITY000001.txt"}


def test_text_is_compared_without_case_and_with_whitespace_collapsed(tmp_path: Path) -> None:
    target = package(tmp_path / "p.zip", text_file="JANE  Q.\r\n public wrote")
    report = verify_package(target, ["Jane Q. Public", "Nobody Else"], key=KEY)
    assert places(report) == {LAYOUT.text + "CITY000001.txt"}
    assert report.hits[0].index == 0


def test_short_strings_are_found_only_as_words(tmp_path: Path) -> None:
    target = package(tmp_path / "p.zip", text_file="adjusted by JS.")
    assert [hit.index for hit in verify_package(target, ["js", "dju"], key=KEY).hits] == [0]


def test_the_report_never_holds_the_secret(tmp_path: Path) -> None:
    target = package(tmp_path / "p.zip", file_name=SSN, dat=SSN, text_layer=SSN)
    report = verify_package(target, [SSN], key=KEY)
    stored = json.dumps(report.to_dict())
    assert json.loads(stored)["ok"] is False
    for form in [*FORMS, "05-1120", "0511", "1120"]:
        assert form not in stored
    assert "entry 5" in places(report)  # the entry whose name holds the number is not named
    expected = hmac.new(KEY, b"078051120", hashlib.sha256).hexdigest()
    assert {hit.fingerprint for hit in report.hits} == {expected}
    assert {hit.redacted for hit in report.hits} == {"999-99-9999"}  # the shape, no digit


def test_every_form_normalises_to_one_string() -> None:
    assert {normalise(form) for form in FORMS} == {"078051120"}
    assert normalise("  Jane\n Q.  PUBLIC ") == "jane q. public"


def test_an_unreadable_pdf_fails_the_package(tmp_path: Path) -> None:
    with PackageWriter(tmp_path / "p.zip", date(2026, 3, 4)) as writer:
        writer.add(PDF, b"%PDF-1.7\nnot really a pdf")
        writer.close()
    report = verify_package(tmp_path / "p.zip", [SSN], key=KEY)
    assert not report.ok and report.hits == []
    assert report.unreadable and report.unreadable[0].startswith(PDF + ": PDF could not be read")


def test_the_planted_pdf_helpers_really_plant(tmp_path: Path) -> None:
    reader = PdfReader(io.BytesIO(with_xmp(pdf(title=SSN), "<x>hello</x>")))
    assert reader.metadata is not None and reader.metadata.title == SSN
    assert "/Metadata" in reader.root_object
    assert b"hello" not in with_xmp(pdf(), "<x>hello</x>")  # the XMP stream is compressed


def test_dashes_as_typesetting_and_ocr_give_them_separate_digits(tmp_path: Path) -> None:
    for dashed in ["078\u201305\u20131120", "078\u201405\u20141120", "078\u221205\u22121120"]:
        report = verify_package(package(tmp_path / "p.zip", text_file=f"SSN {dashed}"), [SSN], key=KEY)
        assert places(report) == {LAYOUT.text + "CITY000001.txt"}, dashed
