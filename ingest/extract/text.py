"""Bytes to text for plain-text files, and the clean-up every extractor's text gets."""

from __future__ import annotations

import codecs
import re

from ingest.extract.base import Extracted

# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: list[tuple[bytes, str]] = [
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]
# Browsers and mail clients read these labels as Windows-1252, and so do senders who
# write them: "ISO-8859-1" text with curly quotes in 0x91-0x94 is everywhere.
_AS_CP1252 = {"latin_1", "iso8859_1", "ascii", "cp1252"}
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*(?:\n[ \t\f\v]*){2,}")
_TRAILING_SPACE = re.compile(r"[ \t\f\v\u00a0]+\n")


def codec_name(label: str | None) -> str | None:
    """Python's codec for a charset label, or None when unknown or not a text encoding."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None  # 'base64', 'rot13' and friends are codecs too
    return "cp1252" if info.name.replace("-", "_") in _AS_CP1252 else info.name


def charset_param(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value, if any."""
    match = re.search(r";\s*charset\s*=\s*\"?([^\";\s]+)", content_type or "", re.IGNORECASE)
    return match.group(1) if match else None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, codec used): BOM, declared charset, UTF-8, EBCDIC if it plainly is, Windows-1252.

    Windows-1252 is the last resort because it is what unlabeled non-UTF-8 text from a
    city's Windows desktops almost always is; bytes it leaves undefined fall back to
    Latin-1, which maps every byte, so decoding never fails.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace"), name
    candidates = [codec_name(declared), _utf16_without_bom(data), "utf-8", _ebcdic(data), "cp1252"]
    for name in filter(None, candidates):
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1"), "latin-1"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a BOM (some Windows exports): NULs in every other byte."""
    sample = data[:4096]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.4 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.4 and odd < half * 0.05:
        return "utf-16-be"
    return None


# EBCDIC bytes of letters, digits, space, '.', ',' and line ends (code page 500/037).
_EBCDIC_COMMON = frozenset(
    [*range(0x81, 0x8A), *range(0x91, 0x9A), *range(0xA2, 0xAA), *range(0xC1, 0xCA),
     *range(0xD1, 0xDA), *range(0xE2, 0xEA), *range(0xF0, 0xFA), 0x40, 0x4B, 0x6B, 0x15, 0x25, 0x0D]
)


def _ebcdic(data: bytes) -> str | None:
    """Mainframe exports in EBCDIC: spaces are 0x40, and almost every byte is a letter or digit."""
    sample = data[:4096]
    if len(sample) < 64 or sample.count(0x20) > len(sample) // 100 or sample.count(0x40) < len(sample) // 20:
        return None
    common = sum(1 for byte in sample if byte in _EBCDIC_COMMON)
    return "cp500" if common > len(sample) * 0.8 else None


def tidy(text: str) -> str:
    """Unix line ends, no NULs or trailing blanks, at most one empty line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = _TRAILING_SPACE.sub("\n", text + "\n")
    return _BLANK_LINES.sub("\n\n", text).strip()


def extract_plain(data: bytes, content_type: str, declared_type: str | None) -> Extracted:
    text, used = decode(data, charset_param(declared_type))
    return Extracted(
        text=tidy(text), content_type=content_type, metadata={"charset": used}, extractor="builtin/text"
    )
