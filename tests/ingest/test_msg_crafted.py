"""Outlook .msg reading on files built for the purpose: S/MIME, deep nesting, and damage.

A crafted file must end in a clear ValueError or in a message whose defects say what
was lost, quickly and without holding much more memory than the file's own size.
"""

from __future__ import annotations

import contextlib
import struct
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.sources.msg import MAX_NESTING, read_msg
from tests.ingest.msg_builder import Tree, compound_file, file_attachment, message, message_attachment

_ATTACHMENT_DATA = "__attach_version1.0_#00000000/__substg1.0_37010102"
_SIGNED = b"""Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="s1"

--s1
Content-Type: multipart/mixed; boundary="s2"

--s2
Content-Type: text/plain; charset="utf-8"

The council minutes are attached.
--s2
Content-Type: application/pdf; name="minutes.pdf"
Content-Disposition: attachment; filename="minutes.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--s2--
--s1
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Disposition: attachment; filename="smime.p7s"
Content-Transfer-Encoding: base64

MIIBcw==
--s1--
"""


def with_attachment(data: bytes) -> Tree:
    return message("Permit file", attachments=(file_attachment("permit.bin", data),))


def test_built_message_reads_back() -> None:
    inner = message("Inner", embedded=True, body="inner body")
    tree = message(
        "Outer",
        body="outer body",
        to=("a@city.example", "b@city.example"),
        attachments=(file_attachment("map.png", b"\x89PNG", hidden=True), message_attachment(inner)),
    )
    parsed = read_msg(compound_file(tree))
    assert (parsed.subject, parsed.body_text, parsed.defects) == ("Outer", "outer body", [])
    assert [a.email for a in parsed.to] == ["a@city.example", "b@city.example"]
    assert [(a.filename, a.content_type, a.inline) for a in parsed.attachments] == [
        ("map.png", "image/png", True),
        ("Inner.eml", "message/rfc822", False),
    ]


def test_signed_message_takes_bodies_and_attachments_from_the_signed_content() -> None:
    tree = message(
        "Signed minutes",
        message_class="IPM.Note.SMIME.MultipartSigned",
        attachments=(file_attachment("smime.p7m", _SIGNED.replace(b"\n", b"\r\n"), mime="multipart/signed"),),
    )
    parsed = read_msg(compound_file(tree))
    assert parsed.subject == "Signed minutes"
    assert parsed.sender is not None and parsed.sender.email == "clerk@city.example"
    assert parsed.body_text.strip() == "The council minutes are attached."
    # The signature is part of the record, so it is kept beside the signed attachment.
    assert [(a.filename, a.data) for a in parsed.attachments] == [
        ("minutes.pdf", b"%PDF-1.4\n"),
        ("smime.p7s", b"0\x82\x01s"),
    ]
    assert parsed.defects == []


def test_truncated_before_its_directory_is_refused() -> None:
    data = compound_file(with_attachment(b"x" * 10_000))
    with pytest.raises(ValueError, match="corrupt Outlook MSG file"):
        read_msg(data[: len(data) - 1024])  # the directory and FAT sectors come last


def test_header_counting_more_sectors_than_the_file_is_refused() -> None:
    data = bytearray(compound_file(message("Header")))
    struct.pack_into("<I", data, 0x48, 0x0FFFFFFF)  # DIFAT sectors: olefile would loop that often
    with pytest.raises(ValueError, match="more sectors than the file holds"):
        read_msg(bytes(data))


@pytest.mark.parametrize(
    ("path", "defect"),
    [
        (_ATTACHMENT_DATA, "attachment 0 unreadable: MsgDamage: stream '__substg1.0_37010102' claims"),
        ("__substg1.0_0037001F", "envelope unreadable: MsgDamage: stream '__substg1.0_0037001F' claims"),
    ],
)
def test_stream_claiming_a_huge_size_is_a_defect(path: str, defect: str) -> None:
    parsed = read_msg(compound_file(with_attachment(b"x" * 10_000), claimed_sizes={path: 0xFFFF_FFF0}))
    assert any(d.startswith(defect) for d in parsed.defects), parsed.defects


def test_mini_stream_claiming_a_huge_size_is_refused() -> None:
    with pytest.raises(ValueError, match="mini stream claims 4294967280 bytes"):
        read_msg(compound_file(message("Mini"), claimed_sizes={"": 0xFFFF_FFF0}))


@pytest.mark.parametrize("size", [10_000, 100], ids=["FAT", "MiniFAT"])
def test_cyclic_sector_chain_is_a_defect(size: int) -> None:
    parsed = read_msg(compound_file(with_attachment(b"x" * size), loop=_ATTACHMENT_DATA))
    assert parsed.subject == "Permit file"
    assert parsed.attachments == []
    assert any("sector chain loops back" in d for d in parsed.defects), parsed.defects


def test_overlapping_streams_cannot_multiply_the_file() -> None:
    # Forty attachments all pointing at one 200 kB stream: reading each would hold 8 MB.
    attachments = [file_attachment(f"copy{n}.bin", b"x" * 200_000 if n == 0 else b"") for n in range(40)]
    shared = {_ATTACHMENT_DATA.replace("#00000000", f"#{n:08X}"): _ATTACHMENT_DATA for n in range(1, 40)}
    data = compound_file(message("Copies", attachments=tuple(attachments)), shared=shared)
    parsed = read_msg(data)
    assert sum(len(a.data) for a in parsed.attachments) <= 2 * len(data) + 1024 * 1024
    assert any("streams overlap" in d for d in parsed.defects)


def test_nesting_bomb_stops_at_max_nesting() -> None:
    tree = message("level 40", embedded=True)
    for level in range(39, -1, -1):
        tree = message(f"level {level}", embedded=level > 0, attachments=(message_attachment(tree),))
    started = time.monotonic()
    parsed = read_msg(compound_file(tree))
    assert time.monotonic() - started < 5
    assert parsed.subject == "level 0"
    # The top message and MAX_NESTING levels below it are read; each level reports its
    # attachment's defects, so the stop is visible at the top.
    assert parsed.defects == [
        "attachment 0: embedded message: " * MAX_NESTING
        + f"attachment 0: embedded message nested deeper than {MAX_NESTING} levels, not read"
    ]


_SAMPLE = compound_file(
    message(
        "Fuzz",
        body="body",
        attachments=(file_attachment("a.txt", b"a" * 5000), message_attachment(message("In", embedded=True))),
    )
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_SAMPLE) - 1), st.integers(0, 255)), min_size=1, max_size=12))
def test_damaged_bytes_give_a_message_or_a_value_error(changes: list[tuple[int, int]]) -> None:
    data = bytearray(_SAMPLE)
    for offset, value in changes:
        data[offset] = value
    started = time.monotonic()
    with contextlib.suppress(ValueError):
        read_msg(bytes(data))
    assert time.monotonic() - started < 2
