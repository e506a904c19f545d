"""The built-in extractors on real corpus files, hostile archives and broken files."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

import pytest

from app.demo import documents as demo
from ingest.extract import detect
from ingest.extract.base import Extracted, ExtractionError
from ingest.extract.builtin import DEFAULT_LIMITS, Limits, extract

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MB = 1024 * 1024

# (path under corpus/formats, content type, phrases), each phrase read in the file by
# hand. Both extractors must find them: tests/ingest/test_tika_extract.py reuses this.
SHARED_CASES: list[tuple[str, str, list[str]]] = [
    ("pdf/testPDF.pdf", "application/pdf", [
        "Apache Tika is a toolkit for detecting and extracting metadata and structured text content",
        "sponsored by the Apache Lucene PMC",
    ]),
    ("pdf/testAnnotations.pdf", "application/pdf", ["Here is some text.", "Here is a comment"]),
    ("docx/testWORD.docx", DOCX, [
        "This is the header for our document",
        "This is a sample Microsoft Word Document.",
        "The table has things in it",
        "This is the footer for our document",
    ]),
    ("docx/testWORD_various.docx", DOCX, [
        "Here is a text box", "This is a footnote.", "Row 2 Col 3", "ゾルゲと尾崎、淡々と最期", "𐌲𐌿𐍄𐌹𐍃𐌺",
    ]),
    ("docx/testComment.docx", DOCX, ["Here is some text.", "Here is a comment"]),
    ("xlsx/testEXCEL.xlsx", XLSX, [
        "Feuil1", "Sample Excel Worksheet - Numbers and their Squares", "15 225",
        "Written and saved in Microsoft Excel X for Mac Service Release 1.",
    ]),
    ("pptx/testPPT.pptx", PPTX, [
        "Attachment Test",
        "This has been developed by Rajiv Kumar Nistala.",
        "Different words to test against",
    ]),
    ("html/testHTML.html", "text/html", ["Title : Test Indexation Html", "Indexation du fichier"]),
    ("html/testHTML_utf8.html", "text/html", ["Content with UTF-8 chars", "åäö"]),
    ("html/testHTML_charset_utf16le.html", "text/html", ["This is a sample text"]),
    ("html/testHTMLNoisyMetaEncoding_1.html", "text/html", ["وأعرب الاتحاد الجزائري"]),
    ("rtf/testRTFWindowsCodepage1250.rtf", "application/rtf", ["zażółć gęślą jaźń", "ZAŻÓŁĆ GĘŚLĄ JAŹŃ"]),
    ("rtf/testRTFJapanese.rtf", "application/rtf", ["ゾルゲと尾崎、淡々と最期", "古書店で処刑記録見つかる"]),
    ("rtf/testRTFVarious.rtf", "application/rtf", [
        "This is the header text.", "This is a footnote.", "Row 2 Col 3", "𐌲𐌿𐍄𐌹𐍃𐌺",
    ]),
    ("txt/testTXT.txt", "text/plain", ["Test d'indexation de Txt"]),
    ("txt/testTXTNonASCIIUTF8.txt", "text/plain", [
        "Der schnelle braune Fuchs springt über den faulen Hund", "براون وكس السريع",
    ]),
]


def squash(text: str) -> str:
    return " ".join(text.split())


def corpus_file(corpus_dir: Path, relative: str) -> tuple[bytes, str]:
    path = corpus_dir / "formats" / relative
    return path.read_bytes(), path.name


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def encrypted_pdf(plain: bytes, user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password, "owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def assert_phrases(extracted: Extracted, phrases: list[str]) -> None:
    text = squash(extracted.text)
    for phrase in phrases:
        assert squash(phrase) in text, f"{phrase!r} not in {text[:300]!r}"


# -- formats ------------------------------------------------------------------------------


@pytest.mark.parametrize(("relative", "content_type", "phrases"), SHARED_CASES,
                         ids=[case[0] for case in SHARED_CASES])
def test_builtin_reads_corpus_file(corpus_dir: Path, relative: str, content_type: str,
                                   phrases: list[str]) -> None:
    data, name = corpus_file(corpus_dir, relative)
    extracted = extract(data, name)
    assert extracted.content_type == content_type
    assert extracted.extractor.startswith("builtin/")
    assert_phrases(extracted, phrases)


@pytest.mark.parametrize(("relative", "phrases"), [
    ("txt/testTXT_win-1252.txt", ["“windows” encoding"]),  # undeclared Windows-1252: curly quotes
    ("txt/english.cp500.txt", ["IntelliStation POWER"]),  # EBCDIC
    ("xlsx/testEXCEL_dateFormats.xlsx", ["2018-09-20"]),  # a date cell, as an ISO date
    ("xlsx/testEXCEL_headers_footers.xlsx", ["John Smith1"]),
    ("xlsx/testEXCEL_hyperlinks.xlsx", ["Text box should have link"]),  # drawn over the sheet
    ("pdf/testPDF_acroform3.pdf", ["Example PDF file that contains a form"]),
    ("rtf/testRTFUmlautSpaces.rtf", ["Übersicht"]),
])
def test_builtin_reads_harder_cases(corpus_dir: Path, relative: str, phrases: list[str]) -> None:
    data, name = corpus_file(corpus_dir, relative)
    assert_phrases(extract(data, name), phrases)


def test_metadata_is_read(corpus_dir: Path) -> None:
    pdf = extract(*corpus_file(corpus_dir, "pdf/testPDF_twoAuthors.pdf"))
    assert pdf.metadata["title"] == "Sample Title"
    assert pdf.metadata["author"] == "Sample Author 1"
    assert pdf.metadata["page_count"] == "1"
    assert pdf.metadata["created"] == "2014-03-04T08:05:57Z"  # +01'00' in the file
    assert pdf.text.startswith("Sample Title")  # the title leads the text, as with Tika
    docx = extract(*corpus_file(corpus_dir, "docx/testWORD_embedded_pdf.docx"))
    assert docx.metadata["author"] == "IBMer"
    assert docx.metadata["created"] == "2012-09-04T15:01:00Z"
    rtf = extract(*corpus_file(corpus_dir, "rtf/testRTF.rtf"))
    assert rtf.metadata["author"] == "Bibliotheque"
    html = extract(*corpus_file(corpus_dir, "html/testHTML.html"))
    assert html.metadata["author"] == "Tika Developers"


def test_objects_embedded_in_office_files_are_unwrapped(corpus_dir: Path) -> None:
    docx = extract(*corpus_file(corpus_dir, "docx/testWORD_embedded_pdf.docx"))
    assert [child.content_type for child in docx.children] == ["application/pdf", "application/pdf"]
    child = docx.children[0]
    assert child.data is not None and child.extracted is None
    assert "Wer wjelrwoierj" in extract(child.data, child.name).text


@pytest.mark.parametrize("relative", [
    "audio/testWAV.wav", "audio/testAMR.amr", "audio/en-US_(A_Little_Bottle_Of_Water).mp3",
])
def test_audio_gives_no_text_and_no_error(corpus_dir: Path, relative: str) -> None:
    extracted = extract(*corpus_file(corpus_dir, relative))
    assert extracted.text == ""
    assert extracted.content_type.startswith("audio/")


def test_mail_gives_empty_text() -> None:
    """(Images are read by OCR: tests/ingest/test_ocr.py.)"""
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert detect.content_type(png, "scan", None) == "image/png"
    message = b"From: a@city.gov\r\nTo: b@city.gov\r\nSubject: hi\r\n\r\nBody\r\n"
    extracted = extract(message)
    assert (extracted.content_type, extracted.text) == ("message/rfc822", "")


@pytest.mark.parametrize(("relative", "reason"), [
    ("doc/testWORD.doc", "legacy Office format needs Tika"),
    ("xls/testEXCEL.xls", "legacy Office format needs Tika"),
    ("ppt/testPPT.ppt", "legacy Office format needs Tika"),
    ("msg/quick.msg", "Outlook .msg"),
    ("docx/testWORD_protected_passtika.docx", "encrypted Office document"),
])
def test_formats_left_to_tika_are_refused_with_a_reason(corpus_dir: Path, relative: str, reason: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(*corpus_file(corpus_dir, relative))
    assert reason in caught.value.reason
    assert not caught.value.retryable


def test_empty_file_is_empty_text_not_an_error() -> None:
    assert extract(b"", "empty.pdf").text == ""


# -- archives and limits ------------------------------------------------------------------


def test_zip_members_become_children_with_bytes(corpus_dir: Path) -> None:
    docx, _ = corpus_file(corpus_dir, "docx/testWORD.docx")
    text, _ = corpus_file(corpus_dir, "txt/testTXT.txt")
    archive = make_zip({"reports/plan.docx": docx, "notes.txt": text, "empty-dir/": b""})
    extracted = extract(archive, "bundle.zip")
    assert extracted.content_type == "application/zip"
    assert [(c.name, c.content_type) for c in extracted.children] == [
        ("reports/plan.docx", DOCX), ("notes.txt", "text/plain")]
    assert [c.data for c in extracted.children] == [docx, text]
    assert all(child.extracted is None for child in extracted.children)
    assert "reports/plan.docx" in extracted.text  # member names are searchable


def _zeros_zip(megabytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("zeros.bin", "w", force_zip64=megabytes > 2000) as member:
        block = bytes(MB)
        for _ in range(megabytes):
            member.write(block)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """200 MB of zeros in a zip of about 200 KB."""
    return _zeros_zip(200)


def test_zip_bomb_is_refused_by_its_declared_size(zip_bomb: bytes) -> None:
    assert len(zip_bomb) < 1 * MB
    with pytest.raises(ExtractionError, match="zip member zeros.bin too large: 209715200 bytes"):
        extract(zip_bomb, "bomb.zip")


def test_zip_bomb_is_stopped_by_the_ratio_limit(zip_bomb: bytes) -> None:
    # Let the declared size pass: the ratio, counted while inflating, must stop it.
    with pytest.raises(ExtractionError) as caught:
        extract(zip_bomb, "bomb.zip", limits=Limits(max_bytes=300 * MB))
    assert "zip bomb: member zeros.bin expands" in caught.value.reason
    assert "x (limit 100x)" in caught.value.reason
    assert not caught.value.retryable


def test_zip_bomb_is_stopped_by_the_size_counted_while_reading(zip_bomb: bytes) -> None:
    limits = Limits(max_bytes=300 * MB, max_ratio=1e9, max_total_uncompressed=50 * MB)
    with pytest.raises(ExtractionError, match="zip bomb: members expand past 52428800 bytes in total"):
        extract(zip_bomb, "bomb.zip", limits=limits)


def test_zip_member_lying_about_its_size_is_not_inflated() -> None:
    """A member whose headers claim 1 KB but which inflates to 20 MB: never read past 1 KB."""
    honest = bytearray(_zeros_zip(20))
    for header, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = honest.index(header) + size_offset
        honest[at : at + 4] = (1000).to_bytes(4, "little")
    extracted = extract(bytes(honest), "liar.zip")
    assert extracted.children == []
    assert "zeros.bin (BadZipFile)" in extracted.metadata["unreadable_members"]


def test_zip_limits_on_total_size_and_member_count() -> None:
    many = make_zip({f"f{i}.txt": b"x" * 1000 for i in range(20)})
    with pytest.raises(ExtractionError, match="members expand past 10000 bytes in total"):
        extract(many, "many.zip", limits=Limits(max_total_uncompressed=10_000))
    with pytest.raises(ExtractionError, match="zip has 20 members, more than the limit of 5"):
        extract(many, "many.zip", limits=Limits(max_members=5))


def test_bomb_inside_a_docx_is_caught_too() -> None:
    bomb_part = b"<w:document>" + b" " * (3 * MB) + b"</w:document>"
    docx = make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": bomb_part})
    with pytest.raises(ExtractionError, match="zip bomb: member word/document.xml expands"):
        extract(docx, "big.docx", limits=Limits(max_ratio=50))


def test_file_over_max_bytes_is_refused() -> None:
    with pytest.raises(ExtractionError, match="file too large: 2000 bytes"):
        extract(b"a" * 2000, "big.txt", limits=Limits(max_bytes=1000))


def test_default_limits() -> None:
    assert DEFAULT_LIMITS.max_bytes == 100 * MB
    assert DEFAULT_LIMITS.max_members == 10_000
    assert DEFAULT_LIMITS.max_total_uncompressed == 1024 * MB


# -- broken and encrypted files -----------------------------------------------------------


def test_truncated_pdf_is_an_extraction_error(corpus_dir: Path) -> None:
    data, _ = corpus_file(corpus_dir, "pdf/testPDF.pdf")
    with pytest.raises(ExtractionError) as caught:
        extract(data[:20_000], "cut.pdf")
    assert "application/pdf" in caught.value.reason
    assert not caught.value.retryable


def test_encrypted_pdf_is_an_extraction_error() -> None:
    locked = encrypted_pdf(demo.pdf(["Budget memo, do not open"]), user_password="s3cret")
    with pytest.raises(ExtractionError, match="^encrypted PDF$"):
        extract(locked, "locked.pdf")


def test_pdf_with_empty_user_password_opens() -> None:
    # Restricted (owner password only) PDFs open in every viewer, so we read them too.
    restricted = encrypted_pdf(demo.pdf(["Council minutes, March"]), user_password="")
    assert "Council minutes, March" in extract(restricted, "minutes.pdf").text


@pytest.mark.parametrize("relative", [
    "pdf/testPDF.pdf", "docx/testWORD.docx", "xlsx/testEXCEL.xlsx", "pptx/testPPT.pptx",
    "rtf/testRTFVarious.rtf", "html/testHTML_utf8.html",
])
def test_damaged_files_never_raise_anything_but_extraction_error(corpus_dir: Path, relative: str) -> None:
    data, name = corpus_file(corpus_dir, relative)
    for cut in (10, 100, 1000, len(data) // 3, len(data) // 2, len(data) - 10):
        damaged = [data[:cut], data[:cut] + bytes(200) + data[cut + 200:]]
        for sample in damaged:
            with contextlib.suppress(ExtractionError):
                extract(sample, name)


def test_garbage_named_like_a_document_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract(b"PK\x03\x04" + b"\x00" * 100, "report.docx")
    with pytest.raises(ExtractionError, match="no built-in extractor"):
        extract(bytes(range(256)) * 4, "blob.bin")


# -- detection ----------------------------------------------------------------------------


@pytest.mark.parametrize(("relative", "expected"), [
    ("doc/testWORD.doc", "application/msword"),
    ("xls/testEXCEL.xls", "application/vnd.ms-excel"),
    ("ppt/testPPT.ppt", "application/vnd.ms-powerpoint"),
    ("msg/quick.msg", "application/vnd.ms-outlook"),
    ("docx/testWORD_various.docx", DOCX),  # [Content_Types].xml is the last member
    ("pdf/testPDF_bom.pdf", "application/pdf"),  # junk before %PDF
    ("eml/tika/testRFC822", "message/rfc822"),
    ("mbox/simple.mbox", "application/mbox"),
    ("html/testHTML.html", "text/html"),  # starts with a comment
    ("rtf/testRTF.rtf", "application/rtf"),
    ("audio/testWAV.wav", "audio/vnd.wave"),
    ("tnef/quick-winmail.dat", "application/vnd.ms-tnef"),
])
def test_detection_by_magic_ignores_the_name(corpus_dir: Path, relative: str, expected: str) -> None:
    data, _ = corpus_file(corpus_dir, relative)
    assert detect.content_type(data, "attachment.bin", "application/octet-stream") == expected


def test_detection_falls_back_to_name_then_declared_type() -> None:
    text = b"just some words\n"
    assert detect.content_type(text, "notes.csv", "text/html") == "text/csv"
    assert detect.content_type(text, None, "Text/Markdown; charset=utf-8") == "text/markdown"
    assert detect.content_type(text, None, None) == "text/plain"
    assert detect.content_type(bytes(range(256)), None, None) == "application/octet-stream"
    assert detect.content_type(make_zip({"a.txt": b"x"}), "a.docx", None) == "application/zip"
