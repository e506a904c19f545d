"""The leak verifier: is any redacted string anywhere in a built package?

    verify_package(zip_path: Path, redacted: Iterable[str], *, key: bytes | None = None,
                   ocr: bool | None = None) -> Report
    Report(ok, hits: list[Hit], checked: dict[str, int], unreadable: list[str],
           warnings: list[str]).to_dict()
    Hit(place, redacted, fingerprint, index, detail)

Where it looks, entry by entry (one entry in memory at a time):
- the zip listing: entry names, the zip comment, entry comments, and the extra fields of
  the central directory and of each local header;
- every entry's bytes read as text (UTF-8, or UTF-16 when it says so): the TEXT files,
  load files, CSVs and logs, and whatever uncompressed text a binary file carries;
- PDFs: each page's text layer as pdfium and as pypdf extract it, the Info dictionary,
  the XMP stream, and every string and decoded stream of the file's objects (annotations,
  bookmarks, form fields, content streams), JPEGs inside included as images;
- images (anything Pillow opens): info, EXIF with its sub-directories, PNG text chunks;
- by OCR (tesseract, app.productions.verify_ocr): every PDF page without text of its own
  or with a picture on it (a rasterized page carries only its Bates stamp as text), rendered
  at 200 dpi one at a time, and every image file, page by page. `ocr`: None reads them when
  tesseract is installed, and else says so in `warnings` and counts "pages not OCRed" (the
  package does not fail for it); True requires OCR (pages it could not read are
  `unreadable`); False reads none (a warning too);
- zip files inside (a .docx native), their members the same way, two levels deep.
A file that cannot be read is listed in `unreadable` and fails the package too: what
could not be checked is not known to be clean.

Matching. Both sides are NFKC-normalised with soft hyphens and zero-width characters
removed. A redacted string that is mostly digits (at least 4 digits, and 80% of what is
not a separator) is compared as its digit sequence: in the target, digit groups joined by
up to three separators (whitespace, hyphens and dashes, . ( ) / _) form a run, and a hit
is a run of whole groups whose digits equal it. So 078-05-1120, 078 05 1120 and 078051120 are one string,
while CITY001234 is not a hit for 1234 (the group is 001234). Other strings are compared
case-insensitively with whitespace collapsed, as substrings; strings shorter than four
characters only as whole words, or they would be found inside every other word.

The report is stored and shown, so it never holds a redacted string: `redacted` is a
shape (app.redaction.service.masked: "999-99-9999"), `fingerprint` an HMAC-SHA256 of the
normalised string under `key`
(a plain SHA-256 of a nine-digit number is reversed by trying all 10^9), and `index` the
string's position in `redacted` as given. Without a key, a random one is used, so
fingerprints then only match within the one report. A place that names an entry whose
own name holds a redacted string says "entry N" instead of the name.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import pypdfium2 as pdfium  # type: ignore[import-untyped]
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from app.core.pdfium import LOCK as PDFIUM
from app.productions import verify_ocr
from app.redaction.service import masked
from ingest.extract import ocr as tesseract
from ingest.extract.base import ExtractionError

SEPARATORS = r"[\s\-\u2010-\u2015\u2212.()/_]"  # dashes as typesetting and OCR give them; "_": a file name's
_RUN = re.compile(rf"\d+(?:{SEPARATORS}{{1,3}}\d+)*")
_DIGITS = re.compile(r"\d+")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
BOUNDARY = "\x00"  # joins separate strings: neither a separator nor a space
NESTED_DEPTH = 2
NESTED_LIMIT = 512 << 20  # bytes of one member of a zip inside the package


@dataclass(frozen=True)
class Hit:
    place: str  # "VOL001/IMAGES/CITY000003.pdf page 2 text", "VOL001/DATA/VOL001.dat", "zip listing"
    redacted: str  # its shape: "999-99-9999"
    fingerprint: str  # HMAC-SHA256 of the normalised string under the caller's key
    index: int  # position of the string in what the caller passed
    detail: str


@dataclass
class Report:
    ok: bool
    hits: list[Hit]
    checked: dict[str, int]
    unreadable: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what was not checked, without failing

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


def _digits_only(value: str) -> str | None:
    """The digit sequence of a mostly-digit string, else None."""
    rest = re.sub(SEPARATORS, "", value)
    digits = sum(c.isdigit() for c in rest)
    if digits >= 4 and digits * 5 >= len(rest) * 4:
        return "".join(_DIGITS.findall(rest))
    return None


def normalise(value: str) -> str:
    """The form a redacted string is compared in: its digits, or casefolded words."""
    value = _clean(value)
    digits = _digits_only(value)
    return digits if digits is not None else _SPACES.sub(" ", value.casefold()).strip()


@dataclass(frozen=True)
class _Secret:
    index: int
    normal: str
    digits: bool
    masked: str
    fingerprint: str
    word: re.Pattern[str] | None  # for short strings: matched as a whole word


class _Finder:
    def __init__(self, redacted: Iterable[str], key: bytes) -> None:
        self.by_digits: dict[str, _Secret] = {}
        self.texts: list[_Secret] = []
        seen: set[str] = set()
        for index, value in enumerate(redacted):
            normal = normalise(value)
            if not normal or normal in seen:
                continue
            seen.add(normal)
            digits = _digits_only(_clean(value)) is not None
            word = None if digits or len(normal) >= 4 else re.compile(rf"(?<!\w){re.escape(normal)}(?!\w)")
            secret = _Secret(index, normal, digits, masked(value.strip()),
                             hmac.new(key, normal.encode(), hashlib.sha256).hexdigest(), word)
            if digits:
                self.by_digits[normal] = secret
            else:
                self.texts.append(secret)
        self.longest = max((len(d) for d in self.by_digits), default=0)
        self.count = len(seen)

    def find(self, text: str) -> list[_Secret]:
        text = _clean(text)
        found: dict[int, _Secret] = {}
        if self.by_digits:
            for run in _RUN.finditer(text):
                groups = _DIGITS.findall(run.group())
                for start in range(len(groups)):
                    joined = ""
                    for group in groups[start:]:
                        joined += group
                        if len(joined) > self.longest:
                            break
                        if joined in self.by_digits:
                            secret = self.by_digits[joined]
                            found[secret.index] = secret
        if self.texts:
            folded = _SPACES.sub(" ", text.casefold())
            for secret in self.texts:
                if secret.word.search(folded) if secret.word else secret.normal in folded:
                    found[secret.index] = secret
        return list(found.values())


def _pages(count: int) -> str:
    return "1 page" if count == 1 else f"{count} pages"


def _as_text(value: object) -> str:
    if isinstance(value, bytes):
        return _decode(value)
    if isinstance(value, tuple | list):
        return BOUNDARY.join(_as_text(v) for v in value)
    return str(value)


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    text = data.decode("utf-8", errors="replace")
    if data[:4096].count(0) * 4 > min(len(data), 4096):  # mostly NULs: UTF-16 without a BOM
        text += BOUNDARY + data.decode("utf-16-le", errors="replace")
    return text


class _Scan:
    def __init__(self, finder: _Finder, ocr: bool | None) -> None:
        self.finder = finder
        self.hits: dict[tuple[str, int], Hit] = {}
        self.checked: dict[str, int] = {}
        self.unreadable: list[str] = []
        self.ocr_required = ocr is True
        self.ocr_off = ("OCR turned off" if ocr is False
                        else "" if tesseract.available() else tesseract.UNAVAILABLE)

    def warnings(self) -> list[str]:
        unread = self.checked.get("pages not OCRed", 0)
        if not unread or self.ocr_required:
            return []
        verb = "was" if unread == 1 else "were"
        return [f"{self.ocr_off}: {_pages(unread)} {verb} not read for text (PDF pages with no text "
                "layer or a picture, and images); a redacted string on them would not be found"]

    def check(self, place: str, text: str, detail: str) -> None:
        for secret in self.finder.find(text):
            self.hits.setdefault((place, secret.index), Hit(place, secret.masked, secret.fingerprint,
                                                            secret.index, detail))

    def count(self, kind: str, n: int = 1) -> None:
        self.checked[kind] = self.checked.get(kind, 0) + n

    def label(self, name: str, number: int) -> str:
        return f"entry {number}" if self.finder.find(name) else name

    def listing(self, archive: zipfile.ZipFile, raw: IO[bytes], prefix: str) -> None:
        place = f"{prefix} listing" if prefix else "zip listing"
        self.check(place, _decode(archive.comment), "zip comment")
        for number, info in enumerate(archive.infolist(), start=1):
            self.count("zip entries")
            self.check(place, info.filename, f"name of entry {number}")
            self.check(place, _decode(info.comment), f"comment of entry {number}")
            self.check(place, _decode(info.extra), f"extra field of entry {number}")
            raw.seek(info.header_offset)
            header = raw.read(30)
            if len(header) == 30 and header[:4] == b"PK\x03\x04":
                name_length, extra_length = struct.unpack("<HH", header[26:30])
                local = raw.read(name_length + extra_length)
                self.check(place, _decode(local), f"local header of entry {number}")

    def archive(self, archive: zipfile.ZipFile, raw: IO[bytes], prefix: str, depth: int) -> None:
        self.listing(archive, raw, prefix)
        for number, info in enumerate(archive.infolist(), start=1):
            if info.is_dir():
                continue
            label = self.label(info.filename, number)
            label = f"{prefix}!{label}" if prefix else label
            with archive.open(info) as entry:
                data = entry.read() if depth == 0 else entry.read(NESTED_LIMIT + 1)
            if len(data) > NESTED_LIMIT and depth > 0:
                self.unreadable.append(f"{label}: too large to check inside a zip")
                continue
            self.entry(label, data, depth)

    def entry(self, label: str, data: bytes, depth: int) -> None:
        self.count("files")
        text = _decode(data)
        if label.lower().endswith(".dat"):  # a DAT's quote, separator and newline marks
            text = text.replace("\u00fe", " ").replace("\u0014", " ").replace("\u00ae", "\n")
        self.check(label, text, "the file's bytes as text")
        if data.startswith(b"%PDF") or label.lower().endswith(".pdf"):
            self.guarded(label, "PDF", lambda: self.pdf(label, data))
        elif data.startswith(b"PK\x03\x04"):
            if depth < NESTED_DEPTH:
                self.guarded(label, "zip", lambda: self.nested(label, data, depth + 1))
        else:
            self.image(label, data, required=False)

    def guarded(self, label: str, kind: str, check: Any) -> None:
        try:
            check()
        except Exception as error:  # noqa: BLE001  # anything unreadable fails the package
            self.unreadable.append(f"{label}: {kind} could not be read ({type(error).__name__})")

    def nested(self, label: str, data: bytes, depth: int) -> None:
        raw = io.BytesIO(data)
        with zipfile.ZipFile(raw) as archive:
            self.archive(archive, raw, label, depth)

    def pdf(self, label: str, data: bytes) -> None:
        with PDFIUM:
            document = pdfium.PdfDocument(data)
        try:
            pictured = []
            with PDFIUM:
                pages = len(document)
            for number in range(pages):
                with PDFIUM:
                    page = document[number]
                    try:
                        textpage = page.get_textpage()
                        text = textpage.get_text_range()
                        textpage.close()
                        if verify_ocr.needs_ocr(page, text):
                            pictured.append(number)
                    finally:
                        page.close()
                self.check(f"{label} page {number + 1} text", text, "pdfium text layer")
                self.count("pdf pages")
            self.read_pages(label, len(pictured),
                            ((f"{label} page {n + 1}", verify_ocr.page_png(document, n)) for n in pictured),
                            f"OCR of the page at {verify_ocr.DPI} dpi")
        finally:
            with PDFIUM:
                document.close()
        reader = PdfReader(io.BytesIO(data))
        for number, page in enumerate(reader.pages, start=1):
            self.check(f"{label} page {number} text", page.extract_text(), "pypdf text layer")
        info = reader.trailer.get("/Info")
        if info is not None:
            self.count("pdf metadata")
            self.check(f"{label} metadata", BOUNDARY.join(_pdf_strings(info.get_object())), "Info dictionary")
        metadata = reader.root_object.get("/Metadata")
        if metadata is not None:
            self.count("pdf xmp")
            self.check(f"{label} XMP", _decode(metadata.get_object().get_data()), "XMP metadata stream")
        self.count("pdf objects")
        jpegs: list[bytes] = []
        self.check(f"{label} PDF objects", BOUNDARY.join(_pdf_strings(reader.trailer, jpegs)),
                   "strings and streams of the PDF")
        for number, jpeg in enumerate(jpegs, start=1):  # what they show was OCRed on the page
            self.image(f"{label} image {number}", jpeg, required=True, read=False)

    def image(self, label: str, data: bytes, *, required: bool, read: bool = True) -> None:
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as error:  # an image, too large to be checked
            self.unreadable.append(f"{label}: image could not be read ({error})")
            return
        except Exception as error:  # noqa: BLE001  # not an image: its bytes were read as text
            if required:
                self.unreadable.append(f"{label}: image could not be read ({type(error).__name__})")
            return
        with image:
            self.guarded(label, "image", lambda: self.image_metadata(label, image))
            if read:
                self.guarded(label, "image", lambda: self.read_image(label, image))

    def read_image(self, label: str, image: Image.Image) -> None:
        pages = verify_ocr.image_pages(image)
        self.read_pages(label, pages, ((f"{label} page {n}" if pages > 1 else label, png)
                                       for n, png in verify_ocr.image_pngs(image)), "OCR of the image")

    def read_pages(self, label: str, count: int, pages: Iterator[tuple[str, bytes]], detail: str) -> None:
        """OCR the `count` (place, PNG) pages, made one at a time as they are read."""
        if not count:
            return
        if self.ocr_off:
            self.count("pages not OCRed", count)
            if self.ocr_required:
                self.unreadable.append(f"{label}: {_pages(count)} not OCRed ({self.ocr_off})")
            return
        for place, png in pages:
            try:
                text = verify_ocr.read(png)
            except ExtractionError as error:
                self.unreadable.append(f"{place}: {error}")
                continue
            self.count("pages OCRed")
            self.check(f"{place} image (OCR)", text, detail)

    def image_metadata(self, label: str, image: Image.Image) -> None:
        self.count("images")
        parts = [f"{key}{BOUNDARY}{_as_text(value)}" for key, value in image.info.items()]
        parts += [f"{k}{BOUNDARY}{_as_text(v)}" for k, v in getattr(image, "text", {}).items()]
        exif = image.getexif()
        directories = [exif, *(exif.get_ifd(tag) for tag in (0x8769, 0x8825, 0xA005))]
        parts += [_as_text(value) for directory in directories for value in directory.values()]
        self.check(f"{label} image metadata", BOUNDARY.join(parts), "info, EXIF and text chunks")


def _pdf_strings(start: PdfObject, jpegs: list[bytes] | None = None) -> Iterator[str]:
    """Every string and decoded stream reachable from `start`; JPEG images go to `jpegs`."""
    stack: list[Any] = [start]
    seen: set[tuple[int, int]] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            stack.append(item.get_object())
        elif isinstance(item, TextStringObject):
            yield str(item)
        elif isinstance(item, ByteStringObject):
            yield _decode(bytes(item))
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, DictionaryObject):
            stack.extend(item.values())
            if not isinstance(item, StreamObject):
                continue
            if item.get("/Subtype") != "/Image":
                yield _decode(item.get_data())
                continue
            filters = item.get("/Filter")
            if jpegs is not None and (filters == "/DCTDecode" or (
                    isinstance(filters, ArrayObject) and "/DCTDecode" in filters)):
                jpegs.append(bytes(item._data))  # the JPEG as stored: its EXIF and comments


def verify_package(zip_path: Path, redacted: Iterable[str], *, key: bytes | None = None,
                   ocr: bool | None = None) -> Report:
    """Search the package for every redacted string; `ok` only if none is found anywhere.
    `ocr`: None reads page images when tesseract is installed, True requires it, False skips."""
    finder = _Finder(redacted, key if key is not None else secrets.token_bytes(32))
    scan = _Scan(finder, ocr)
    scan.count("redacted strings", finder.count)
    with zip_path.open("rb") as raw, zipfile.ZipFile(raw) as archive:
        scan.archive(archive, raw, "", 0)
    hits = sorted(scan.hits.values(), key=lambda hit: (hit.place, hit.index))
    return Report(not hits and not scan.unreadable, hits, dict(sorted(scan.checked.items())),
                  scan.unreadable, scan.warnings())
