"""The logs a production carries: what was redacted and what was withheld, and why.

    RedactionLogRow(bates, document, spans, reason, citation, reviewer)
    redaction_log_csv(rows: Iterable[RedactionLogRow], out: BinaryIO) -> None
    PrivilegeLogRow(bates, date, author, recipients, description, ground, citation)
    privilege_log_csv(rows: Iterable[PrivilegeLogRow], out: BinaryIO) -> None
    privilege_log_pdf(rows: Iterable[PrivilegeLogRow], title: str) -> bytes

The CSVs are UTF-8 with a BOM, CRLF, and no cell can run as a formula
(app.core.spreadsheet). The PDF is an HTML table rendered by WeasyPrint through the
letters' fetcher, which loads nothing from outside (the stylesheet is inline); it carries
no dates in its metadata, so the same rows and title give the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import BinaryIO

from app.core.spreadsheet import write_csv_file
from app.letters.pdf import html_to_pdf

REDACTION_COLUMNS = ("Bates", "Document", "Spans", "Reason", "Citation", "Reviewer")
PRIVILEGE_COLUMNS = ("Bates", "Date", "Author", "Recipients", "Description", "Ground", "Citation")


@dataclass(frozen=True)
class RedactionLogRow:
    bates: str  # "CITY000003-CITY000005"
    document: str  # the file name or subject, as the requester will see it
    spans: int  # how many passages were redacted for this reason
    reason: str
    citation: str  # "C.R.S. 24-72-204(3)(a)(IV)"
    reviewer: str


@dataclass(frozen=True)
class PrivilegeLogRow:
    bates: str  # the slip sheet's number
    date: date | None
    author: str
    recipients: str
    description: str  # what it is, without giving away what is privileged
    ground: str  # "attorney-client privilege", "exempt"
    citation: str


def _privilege_cells(row: PrivilegeLogRow) -> list[str]:
    return [row.bates, row.date.isoformat() if row.date else "", row.author, row.recipients,
            row.description, row.ground, row.citation]


def redaction_log_csv(rows: Iterable[RedactionLogRow], out: BinaryIO) -> None:
    write_csv_file(out, REDACTION_COLUMNS,
                   ([r.bates, r.document, r.spans, r.reason, r.citation, r.reviewer] for r in rows))


def privilege_log_csv(rows: Iterable[PrivilegeLogRow], out: BinaryIO) -> None:
    write_csv_file(out, PRIVILEGE_COLUMNS, (_privilege_cells(row) for row in rows))


STYLE = ("@page{size:letter landscape;margin:0.6in}body{font:9pt sans-serif}"
         "table{border-collapse:collapse;width:100%}thead{display:table-header-group}"
         "td,th{border:1px solid #999;padding:3px;vertical-align:top;text-align:left;"
         "word-break:break-word}")


def privilege_log_pdf(rows: Iterable[PrivilegeLogRow], title: str) -> bytes:
    """The log as a table, its header repeated on every page; `title` heads it."""
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in _privilege_cells(row))
                   + "</tr>" for row in rows) or f"<tr><td colspan='{len(PRIVILEGE_COLUMNS)}'>None.</td></tr>"
    head = "".join(f"<th>{name}</th>" for name in PRIVILEGE_COLUMNS)
    html = (f"<html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>")
    return html_to_pdf(html)
