"""Redaction and privilege logs: CSV that Excel opens safely, a PDF with the same bytes each time."""

from __future__ import annotations

import csv
import io
from datetime import date

from pypdf import PdfReader

from app.productions.logs import (
    PRIVILEGE_COLUMNS,
    PrivilegeLogRow,
    RedactionLogRow,
    privilege_log_csv,
    privilege_log_pdf,
    redaction_log_csv,
)

WITHHELD = [
    PrivilegeLogRow("CITY000007", date(2026, 1, 15), "City Attorney", "Mayor; Council",
                    "Legal advice about <the> lease", "attorney-client privilege",
                    "C.R.S. 24-72-204(3)(a)(IV)"),
    PrivilegeLogRow("CITY000008", None, "=HYPERLINK(\"http://x\")", "", "Draft", "exempt",
                    "24-72-204(3)(a)(XIII)"),
]


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_redaction_log_csv_has_its_columns_and_no_formulas() -> None:
    out = io.BytesIO()
    redaction_log_csv([RedactionLogRow("CITY000003-CITY000004", "budget.xlsx", 2, "Social Security number",
                                       "C.R.S. 24-72-204(3)(a)(I)", "-J. Clerk")], out)
    assert rows_of(out.getvalue()) == [
        ["Bates", "Document", "Spans", "Reason", "Citation", "Reviewer"],
        ["CITY000003-CITY000004", "budget.xlsx", "2", "Social Security number", "C.R.S. 24-72-204(3)(a)(I)",
         "'-J. Clerk"]]


def test_privilege_log_csv_has_its_columns_and_no_formulas() -> None:
    out = io.BytesIO()
    privilege_log_csv(WITHHELD, out)
    header, first, second = rows_of(out.getvalue())
    assert header == list(PRIVILEGE_COLUMNS)
    assert first[:2] == ["CITY000007", "2026-01-15"]
    assert second[1:3] == ["", "'=HYPERLINK(\"http://x\")"]


def test_privilege_log_pdf_is_the_same_bytes_each_time_and_dated_nowhere() -> None:
    first = privilege_log_pdf(WITHHELD, "Privilege log: request 2026-0001")
    assert privilege_log_pdf(WITHHELD, "Privilege log: request 2026-0001") == first
    reader = PdfReader(io.BytesIO(first))
    assert reader.metadata is not None
    assert set(reader.metadata) <= {"/Producer", "/Title", "/Creator"}
    assert reader.metadata["/Title"] == "Privilege log: request 2026-0001"
    assert b"CreationDate" not in first and b"ModDate" not in first
    text = "".join(page.extract_text() for page in reader.pages)
    assert "CITY000007" in text and "Legal advice about <the> lease" in text  # escaped, not markup
    assert privilege_log_pdf(WITHHELD[:1], "Privilege log: request 2026-0001") != first


def test_an_empty_privilege_log_says_so() -> None:
    reader = PdfReader(io.BytesIO(privilege_log_pdf([], "Privilege log")))
    assert "None." in reader.pages[0].extract_text()
