"""De-encapsulating the HTML or text that Outlook wraps in RTF (MS-OXRTFEX), by hand-made cases."""

from __future__ import annotations

import time

import pytest

from ingest.extract.rtf import deencapsulate, windows_codec

_HEADER = rb"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}{\f1\fcharset204 Cyr;}}"


@pytest.mark.parametrize(
    ("body", "html"),
    [
        # Markup comes from \*\htmltag groups; text between them is shared by both renderings.
        (rb"{\*\htmltag64 <p>}Hello{\*\htmltag72 </p>}", "<p>Hello</p>"),
        # \htmlrtf ... \htmlrtf0 is RTF for RTF readers only.
        (
            rb"{\*\htmltag64 <b>}\htmlrtf {\b\htmlrtf0 bold\htmlrtf }\htmlrtf0 {\*\htmltag72 </b>}",
            "<b>bold</b>",
        ),
        # \htmlrtf holds to the end of its group, not beyond.
        (rb"{\htmlrtf \par RTF only}after", "after"),
        # The markup is kept even inside an \htmlrtf region.
        (rb"\htmlrtf {\*\htmltag4 <br>}\par\htmlrtf0 x", "<br>x"),
        # \*\mhtmltag holds the tag before Outlook rewrote its URLs to cid: links; not output.
        (rb'{\*\mhtmltag84 <img src="a.png">}{\*\htmltag84 <img src="cid:a">}', '<img src="cid:a">'),
        # Escapes, code pages of the current font, \uN with its fallback, \par as a newline.
        (rb"caf\'e9 \{x\} {\f1 \'c4\'e0} \u8364? \par", "café {x} Да € \n"),
    ],
)
def test_html_is_recovered(body: bytes, html: str) -> None:
    assert deencapsulate(_HEADER + body + b"}") == ("html", html)


def test_text_is_recovered() -> None:
    rtf = rb"{\rtf1\ansi\ansicpg1251\fromtext \deff0{\fonttbl{\f0 Arial;}}\'cf\'f0\'e8\par line 2}"
    assert deencapsulate(rtf) == ("text", "При\nline 2")


def test_plain_rtf_is_not_encapsulated() -> None:
    assert deencapsulate(rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}Hello \fromhtml1 later}") is None
    assert deencapsulate(b"") is None


def test_crafted_rtf_is_read_in_bounded_time() -> None:
    # Unbalanced braces and a lone backslash at the end: no error, no endless loop.
    started = time.monotonic()
    kind, html = deencapsulate(_HEADER + b"{" * 200_000 + b"}}}}x\\") or ("", "")
    assert (kind, html) == ("html", "x")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("number", "codec"),
    [
        (1252, "cp1252"), (932, "cp932"), (65001, "utf-8"), (28591, "iso8859-1"), (20127, "ascii"),
        (99999, None),
    ],
)
def test_windows_code_pages(number: int, codec: str | None) -> None:
    assert windows_codec(number) == codec
