"""Load files: how review software learns a production's documents, pages and fields.

Three files describe the same volume, one row per document (DAT, CSV) or per page (OPT):

Concordance DAT (`DATA/VOL001.dat`), the metadata load file
    The first line holds the field names (`FIELDS`), then one line per document. Every
    value, names included, is quoted with þ (U+00FE) and values are separated by DC4
    (U+0014); each record ends with CRLF. A newline inside a value (CRLF, LF or CR) is
    written as ® (U+00AE), the Concordance convention, so a record is always one line.
    Encoding UTF-8 with a byte order mark: the usual choice for Unicode DATs, and the BOM
    is how Relativity and Concordance tell UTF-8 from the Windows code page.
    A þ inside a value is doubled (þþ), the CSV rule applied to this quote character, so
    a quote-aware reader gets the value back exactly; a DC4 inside a value needs nothing,
    being inside quotes. A ® that was in the value already reads back as a newline: the
    format cannot tell the two apart, and a newline is the harmless reading.
        write_dat(rows: Iterable[Mapping[str, str]], out: BinaryIO) -> None
        read_dat(data: bytes) -> list[dict[str, str]]

Opticon OPT (`DATA/VOL001.opt`), the image load file
    One line per page image, seven comma-separated fields, CRLF:
    `ImageKey,Volume,ImagePath,DocumentBreak,FolderBreak,BoxBreak,PageCount`; the
    document break is `Y` on a document's first page, folder and box breaks are empty,
    and the page count is given on the first page only. The format has no quoting, so a
    comma, a newline or a non-ASCII character in a key or path is refused.
    Images here are one multi-page PDF per document (`IMAGES\\CITY000001.pdf`). Concordance
    and Relativity describe the OPT as page-level (one line per page, keyed by the page's
    Bates number) and accept multi-page image files; the common convention for those is
    one line per page that repeats the same path, with the page count on the first, which
    is what `document_pages` builds. (RelativityOne's image import takes single-page
    images only; such a reviewer splits the PDFs, the keys and counts still hold.)
        write_opt(pages: Iterable[OptPage], out: BinaryIO) -> None
        read_opt(data: bytes) -> list[OptPage]
        document_pages(keys: Sequence[str], volume: str, image_path: str) -> list[OptPage]

CSV (`DATA/VOL001.csv`), the same fields for people without review software
    UTF-8 with a BOM so Excel opens it, CRLF, a header row of `FIELDS`; a value that
    starts like a formula (= + - @) gets a leading apostrophe (app.core.spreadsheet).
        write_csv(rows: Iterable[Mapping[str, str]], out: BinaryIO) -> None

Rows are mappings from field name to text; a missing field is empty and a name not in
`FIELDS` is refused (ValueError), so a misspelt field cannot vanish silently.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from app.core.spreadsheet import write_csv_file

FIELDS = ("BEGBATES", "ENDBATES", "BEGATTACH", "ENDATTACH", "CUSTODIAN", "FROM", "TO", "CC",
          "SUBJECT", "DATESENT", "FILENAME", "SHA256", "NATIVELINK", "TEXTLINK", "REDACTED",
          "WITHHELD_REASON")

QUOTE = "\u00fe"  # þ
SEPARATOR = "\u0014"  # DC4
NEWLINE = "\u00ae"  # ®


def _values(rows: Iterable[Mapping[str, str]]) -> Iterator[list[str]]:
    for row in rows:
        unknown = set(row) - set(FIELDS)
        if unknown:
            raise ValueError(f"Not a load file field: {', '.join(sorted(unknown))}")
        yield [row.get(name, "") for name in FIELDS]


def _one_line(value: str) -> str:
    return value.replace("\r\n", NEWLINE).replace("\r", NEWLINE).replace("\n", NEWLINE)


class _Dat(csv.Dialect):
    delimiter = SEPARATOR
    quotechar = QUOTE
    doublequote = True
    quoting = csv.QUOTE_ALL
    lineterminator = "\r\n"
    skipinitialspace = False
    strict = True


def write_dat(rows: Iterable[Mapping[str, str]], out: BinaryIO) -> None:
    out.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text, dialect=_Dat)
        writer.writerow(FIELDS)
        for values in _values(rows):
            writer.writerow([_one_line(value) for value in values])
        text.flush()
    finally:
        text.detach()


def read_dat(data: bytes) -> list[dict[str, str]]:
    """The records of a DAT, keyed by its header's names; ® read back as a newline."""
    text = data.decode("utf-8-sig")
    lines = [line for line in csv.reader(io.StringIO(text, newline=""), dialect=_Dat) if line]
    if not lines:
        raise ValueError("A DAT starts with a line of field names")
    header, records = lines[0], lines[1:]
    rows = []
    for number, record in enumerate(records, start=2):
        if len(record) != len(header):
            raise ValueError(f"DAT line {number} has {len(record)} fields, the header {len(header)}")
        rows.append({name: value.replace(NEWLINE, "\n") for name, value in zip(header, record, strict=True)})
    return rows


@dataclass(frozen=True)
class OptPage:
    image_key: str  # the page's Bates number
    volume: str
    image_path: str  # relative to the volume: IMAGES\CITY000001.pdf
    document_break: bool  # the first page of a document
    page_count: int | None  # the document's pages, on its first page only


def document_pages(keys: Sequence[str], volume: str, image_path: str) -> list[OptPage]:
    """The OPT lines of one document: a line per page key, all naming its one PDF."""
    return [OptPage(key, volume, image_path, index == 0, len(keys) if index == 0 else None)
            for index, key in enumerate(keys)]


def _opt_field(value: str) -> str:
    if not value.isascii() or any(c in value for c in ",\r\n"):
        raise ValueError(f"An OPT field must be ASCII without commas or newlines: {value!r}")
    return value


def write_opt(pages: Iterable[OptPage], out: BinaryIO) -> None:
    for page in pages:
        if page.page_count is not None and page.page_count < 1:
            raise ValueError(f"Page count {page.page_count} of {page.image_key!r}")
        fields = [_opt_field(page.image_key), _opt_field(page.volume), _opt_field(page.image_path),
                  "Y" if page.document_break else "", "", "",
                  "" if page.page_count is None else str(page.page_count)]
        out.write((",".join(fields) + "\r\n").encode("ascii"))


def read_opt(data: bytes) -> list[OptPage]:
    pages = []
    for number, line in enumerate(data.decode("ascii").splitlines(), start=1):
        if not line:
            continue
        fields = line.split(",")
        if len(fields) != 7 or fields[3] not in ("Y", ""):
            raise ValueError(f"OPT line {number} is not seven fields with a Y or empty break")
        count = fields[6]
        pages.append(OptPage(fields[0], fields[1], fields[2], fields[3] == "Y",
                             int(count) if count else None))
    return pages


def write_csv(rows: Iterable[Mapping[str, str]], out: BinaryIO) -> None:
    write_csv_file(out, FIELDS, _values(rows))
