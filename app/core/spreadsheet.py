"""CSV that a spreadsheet opens as text: no cell is run as a formula.

Exports carry what people typed (a custodian's answers, a search term); a cell that
starts like a formula (=, +, -, @) is quoted with a leading apostrophe.

`write_csv_file` writes the same CSV to a binary stream as UTF-8 with a byte order mark,
which is what makes Excel read it as UTF-8 rather than the Windows code page.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable
from typing import BinaryIO


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def to_csv(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def write_csv_file(out: BinaryIO, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """`to_csv` streamed to `out` row by row: UTF-8 with BOM, CRLF, no cell run as a formula."""
    out.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(list(header))
        for row in rows:
            writer.writerow([safe_cell(cell) for cell in row])
        text.flush()
    finally:
        text.detach()  # leave `out` open for the caller
