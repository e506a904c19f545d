"""DAT, OPT and CSV load files read back to what was written, whatever the values hold."""

from __future__ import annotations

import csv
import io

import pytest

from app.productions.loadfiles import (
    FIELDS,
    OptPage,
    document_pages,
    read_dat,
    read_opt,
    write_csv,
    write_dat,
    write_opt,
)

HARD = {
    "BEGBATES": "CITY000001",
    "ENDBATES": "CITY000003",
    "CUSTODIAN": "Zoë Ångström 李",
    "FROM": "clerk@city.example",
    "SUBJECT": "Re: þorn þ and þþ, \x14 DC4, \"quotes\", commas",
    "TO": "",
    "CC": "a@x.example; b@x.example",
    "FILENAME": "line one\nline two\r\nline three\rend",
    "REDACTED": "Y",
    "WITHHELD_REASON": "=cmd|' /C calc'!A0",
}
PLAIN = {"BEGBATES": "CITY000004", "ENDBATES": "CITY000004"}


def dat(rows: list[dict[str, str]]) -> bytes:
    out = io.BytesIO()
    write_dat(rows, out)
    return out.getvalue()


def test_dat_round_trip_keeps_newlines_thorns_dc4_unicode_and_empty_fields() -> None:
    rows = read_dat(dat([HARD, PLAIN]))
    assert len(rows) == 2
    assert list(rows[0]) == list(FIELDS)
    expected = {name: HARD.get(name, "") for name in FIELDS}
    expected["FILENAME"] = "line one\nline two\nline three\nend"  # every newline reads back as LF
    assert rows[0] == expected
    assert rows[1] == {name: PLAIN.get(name, "") for name in FIELDS}


def test_dat_bytes_follow_the_concordance_layout() -> None:
    data = dat([HARD, PLAIN])
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) == 4  # header, two records, each ended by CRLF
    assert "\n" not in text.replace("\r\n", "") and "\r" not in text.replace("\r\n", "")
    assert lines[0] == "\x14".join(f"þ{name}þ" for name in FIELDS)
    assert "line one®line two®line three®end" in lines[1]
    assert "þþorn þþ and þþþþ" in lines[1]  # a þ in a value is doubled
    assert lines[2].count("\x14") == len(FIELDS) - 1  # no stray separators in a plain record


def test_a_registered_sign_already_in_a_value_reads_back_as_a_newline() -> None:
    assert read_dat(dat([{"SUBJECT": "Acme® widgets"}]))[0]["SUBJECT"] == "Acme\n widgets"


def test_dat_refuses_unknown_fields_and_broken_records() -> None:
    with pytest.raises(ValueError, match="SUBJCT"):
        dat([{"SUBJCT": "typo"}])
    with pytest.raises(ValueError, match="line 2 has 1 fields"):
        read_dat("\ufeffþAþ\x14þBþ\r\nþ1þ\r\n".encode())
    with pytest.raises(ValueError, match="field names"):
        read_dat(b"\xef\xbb\xbf")


def test_opt_lists_every_page_of_each_pdf_with_the_break_and_count_on_the_first() -> None:
    pages = [*document_pages(["CITY000001", "CITY000002", "CITY000003"], "VOL001", r"IMAGES\CITY000001.pdf"),
             *document_pages(["CITY000004"], "VOL001", r"IMAGES\CITY000004.pdf")]
    out = io.BytesIO()
    write_opt(pages, out)
    assert out.getvalue() == (b"CITY000001,VOL001,IMAGES\\CITY000001.pdf,Y,,,3\r\n"
                              b"CITY000002,VOL001,IMAGES\\CITY000001.pdf,,,,\r\n"
                              b"CITY000003,VOL001,IMAGES\\CITY000001.pdf,,,,\r\n"
                              b"CITY000004,VOL001,IMAGES\\CITY000004.pdf,Y,,,1\r\n")
    assert read_opt(out.getvalue()) == pages


@pytest.mark.parametrize("page", [
    OptPage("CITY,1", "VOL001", "IMAGES\\a.pdf", True, 1),
    OptPage("CITY1", "VOL001", "IMAGES\\é.pdf", True, 1),
    OptPage("CITY1", "VOL\r\n001", "IMAGES\\a.pdf", True, 1),
    OptPage("CITY1", "VOL001", "IMAGES\\a.pdf", True, 0),
])
def test_opt_refuses_what_it_cannot_carry(page: OptPage) -> None:
    out = io.BytesIO()
    with pytest.raises(ValueError):
        write_opt([page], out)


def test_read_opt_refuses_a_line_that_is_not_seven_fields() -> None:
    with pytest.raises(ValueError, match="line 2"):
        read_opt(b"A,V,P,Y,,,1\r\nA,V,P,Y\r\n")


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_the_same_fields_and_reads_back_with_the_csv_module() -> None:
    out = io.BytesIO()
    write_csv([HARD, PLAIN], out)
    header, first, second = read_csv(out.getvalue())
    assert header == list(FIELDS)
    row = dict(zip(header, first, strict=True))
    assert row["CUSTODIAN"] == "Zoë Ångström 李"
    assert row["FILENAME"] == HARD["FILENAME"]  # CSV quotes newlines; nothing is replaced
    assert row["SUBJECT"] == HARD["SUBJECT"]
    assert second == [PLAIN.get(name, "") for name in FIELDS]


@pytest.mark.parametrize("value", ["=1+1", "+1 303 555 0100", "-2", "@SUM(A1)"])
def test_csv_cells_that_start_like_a_formula_get_an_apostrophe(value: str) -> None:
    out = io.BytesIO()
    write_csv([{"SUBJECT": value, "CUSTODIAN": "plain"}], out)
    row = dict(zip(FIELDS, read_csv(out.getvalue())[1], strict=True))
    assert row["SUBJECT"] == "'" + value
    assert row["CUSTODIAN"] == "plain"
