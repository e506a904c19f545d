"""What kind of file is this? Magic bytes first, then the file name, then what the sender said.

The bytes win because names and declared types of mail attachments are often wrong
("application/octet-stream", a .dat that is a PDF). Type names follow what Tika reports,
so both extractors label the same file the same way.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath

from ingest.extract import ole

OCTET_STREAM = "application/octet-stream"
PDF = "application/pdf"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OOXML_PROTECTED = "application/x-tika-ooxml-protected"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
MSG = "application/vnd.ms-outlook"
OLE = "application/x-tika-msoffice"
RTF = "application/rtf"
HTML = "text/html"
TEXT = "text/plain"
RFC822 = "message/rfc822"
MBOX = "application/mbox"

EXTENSIONS: dict[str, str] = {
    ".pdf": PDF, ".zip": ZIP, ".docx": DOCX, ".docm": DOCX, ".xlsx": XLSX, ".xlsm": XLSX,
    ".pptx": PPTX, ".pptm": PPTX, ".doc": DOC, ".dot": DOC, ".xls": XLS, ".xlt": XLS,
    ".ppt": PPT, ".pps": PPT, ".msg": MSG, ".rtf": RTF, ".htm": HTML, ".html": HTML,
    ".xhtml": HTML, ".txt": TEXT, ".text": TEXT, ".log": TEXT, ".csv": "text/csv",
    ".eml": RFC822, ".mbox": MBOX, ".wav": "audio/vnd.wave", ".mp3": "audio/mpeg",
    ".amr": "audio/amr", ".gif": "image/gif", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".tif": "image/tiff", ".tiff": "image/tiff", ".bmp": "image/bmp",
}

# Simple prefixes; the order matters only where one prefix starts another.
_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", PDF),
    (b"\x78\x9f\x3e\x22", "application/vnd.ms-tnef"),  # winmail.dat
    (b"!BDN", "application/vnd.ms-outlook-pst"),  # PST and OST
    (b"{\\rtf", RTF),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"#!AMR", "audio/amr"),
    (b"ID3", "audio/mpeg"),
]
_UTF8_BOM = b"\xef\xbb\xbf"
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body")
_MBOX_FROM = re.compile(rb"^From \S+ .*\d\d:\d\d:\d\d .*\d{4}\s*$")  # From addr Mon Jun 01 10:00:00 2009
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
# A header block must contain one of these to count as a mail message: "Subject:" and
# "Date:" alone also head many ordinary notes and logs.
_MAIL_HEADERS = {
    b"from", b"sender", b"received", b"message-id", b"return-path", b"delivered-to",
    b"mime-version", b"dkim-signature", b"x-mailer", b"arc-seal", b"x-notes-item",
    b"x-store-info", b"x-ironport-av", b"newsgroups", b"path",
}


def content_type(data: bytes, filename: str | None, declared: str | None) -> str:
    """The content type of `data`: sniffed, else by extension, else declared, else a guess."""
    sniffed = sniff(data, filename)
    if sniffed:
        return sniffed
    by_name = by_extension(filename)
    if by_name:
        return by_name
    said = base_type(declared)
    if said and said != OCTET_STREAM:
        return said
    return TEXT if looks_like_text(data) else OCTET_STREAM


def base_type(value: str | None) -> str:
    """'Text/HTML; charset=x' -> 'text/html'."""
    return (value or "").split(";", 1)[0].strip().lower()


def by_extension(filename: str | None) -> str | None:
    if not filename:
        return None
    return EXTENSIONS.get(PurePosixPath(filename.replace("\\", "/")).suffix.lower())


def sniff(data: bytes, filename: str | None = None) -> str | None:
    """The type the bytes themselves show, or None when they show nothing definite."""
    head = data[:8192]
    for prefix, kind in _MAGIC:
        if head.startswith(prefix):
            return kind
    if b"%PDF-" in head[:1024]:
        return PDF  # readers accept junk (a BOM, a mail header) before the PDF header
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/vnd.wave"
    if _is_bmp(head):
        return "image/bmp"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data, filename)
    if head.startswith(ole.MAGIC):
        return _ole_kind(data, filename)
    return _text_kind(head, filename) or ("audio/mpeg" if _is_mpeg_frame(head) else None)


def _is_mpeg_frame(head: bytes) -> bool:
    """An MP3 without an ID3 tag starts with a frame header: 11 sync bits and no reserved fields."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _is_bmp(head: bytes) -> bool:
    """'BM' alone starts ordinary text ("BMW lease"): also the zero reserved bytes and a
    known DIB header size (BITMAPCOREHEADER 12 ... BITMAPV5HEADER 124)."""
    return (head[:2] == b"BM" and len(head) >= 18 and head[6:10] == b"\0\0\0\0"
            and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124))


def _zip_kind(data: bytes, filename: str | None) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            types = b""
            if "[Content_Types].xml" in names:
                # Bounded: a hostile archive may inflate this part to gigabytes.
                with archive.open("[Content_Types].xml") as part:
                    types = part.read(65536)
    except Exception:
        # Detection must never fail (zlib, zipfile and struct all raise their own errors
        # on a damaged zip): an OOXML extension is the best evidence left.
        by_name = by_extension(filename)
        return by_name if by_name in (DOCX, XLSX, PPTX) else ZIP
    if "word/document.xml" in names or b"wordprocessingml.document.main" in types:
        return DOCX
    if "xl/workbook.xml" in names or b"spreadsheetml.sheet.main" in types:
        return XLSX
    if "ppt/presentation.xml" in names or b"presentationml.presentation.main" in types:
        return PPTX
    return ZIP


def _ole_kind(data: bytes, filename: str | None) -> str:
    names = ole.root_names(data)
    if any(name.startswith("__substg1.0_") for name in names):
        return MSG
    if "EncryptedPackage" in names:
        return OOXML_PROTECTED  # a password-protected DOCX/XLSX/PPTX
    if "WordDocument" in names:
        return DOC
    if "PowerPoint Document" in names:
        return PPT
    if "Workbook" in names or "Book" in names:
        return XLS
    by_name = by_extension(filename)
    return by_name if by_name in (DOC, XLS, PPT, MSG) else OLE


def _text_kind(head: bytes, filename: str | None) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with a BOM: sniff its ASCII-range characters for HTML.
        lowered = head[2:].replace(b"\x00", b"").lower()
        return HTML if _is_html(lowered) else None
    body = head.removeprefix(_UTF8_BOM)
    first_line, _, rest = body.partition(b"\n")
    if body.startswith(b"From ") and (_MBOX_FROM.match(first_line) or _is_mail_header_block(rest)):
        # An mbox 'From ' envelope line: one message saved as .eml, else a mailbox.
        return RFC822 if by_extension(filename) == RFC822 else MBOX
    if _is_mail_header_block(body):
        return RFC822
    if _is_html(body.lstrip().lower()):
        return HTML
    return None


def _is_html(lowered: bytes) -> bool:
    if not lowered.startswith(b"<"):
        return False
    return any(marker in lowered[:1024] for marker in _HTML_MARKERS)


def _is_mail_header_block(head: bytes) -> bool:
    """Every line up to the first blank one is a header, and one of them is mail-like."""
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    lines = block.splitlines()
    if len(head) == len(block) and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    names: set[bytes] = set()
    for line in lines:
        if line[:1] in (b" ", b"\t") and names:
            continue  # a folded continuation line
        if not _HEADER_LINE.match(line):
            return False
        names.add(line.split(b":", 1)[0].lower())
    return len(names) >= 2 and bool(names & _MAIL_HEADERS)


def looks_like_text(data: bytes) -> bool:
    """No NUL bytes and few control characters in the first 8 KB (or a UTF-16 BOM)."""
    head = data[:8192]
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls <= len(head) // 100
