"""What Outlook's MSG files and PST items have in common: MAPI properties and conventions.

Both readers map MAPI to ParsedMessage through these helpers, so the two sources
agree on which address wins, how transport headers are read, how bodies decode.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import re
from collections.abc import Callable
from email import policy
from email.message import Message
from email.parser import HeaderParser
from typing import TypeVar

from ingest import rfc822
from ingest.extract.rtf import deencapsulate
from ingest.message import Address, ParsedMessage

logger = logging.getLogger(__name__)

# The RTF tokenizer reads a typical body at about 10 MiB/s but crafted, token-dense RTF
# at 2 s/MiB; bodies past this are mostly pictures, and their HTML is not worth the wait.
RTF_DECODE_LIMIT = 2 * 1024 * 1024

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*[\\"']*\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')

_T = TypeVar("_T")

# PR_MESSAGE_LOCALE_ID primary language -> Windows ANSI code page, for non-Unicode
# MSGs and PST items without PR_MESSAGE_CODEPAGE.
_ANSI_BY_LANGUAGE = {
    **dict.fromkeys((0x05, 0x0E, 0x15, 0x18, 0x1A, 0x1B, 0x1C, 0x24), "cp1250"),
    **dict.fromkeys((0x02, 0x19, 0x22, 0x23, 0x2F, 0x3F, 0x40, 0x44, 0x50), "cp1251"),
    0x08: "cp1253",
    **dict.fromkeys((0x1F, 0x2C, 0x43), "cp1254"),
    0x0D: "cp1255",
    **dict.fromkeys((0x01, 0x20, 0x29), "cp1256"),
    **dict.fromkeys((0x25, 0x26, 0x27), "cp1257"),
    0x2A: "cp1258",
    0x1E: "cp874",
    0x11: "cp932",
    0x12: "cp949",
}
# Where the sub-language decides: Chinese Traditional (TW, HK, MO) or Simplified, and
# the Cyrillic variants of languages otherwise written in Latin script.
_ANSI_BY_LOCALE = {
    **dict.fromkeys((0x0404, 0x0C04, 0x1404), "cp950"),
    **dict.fromkeys((0x0804, 0x1004), "cp936"),
    **dict.fromkeys((0x0C1A, 0x1C1A, 0x201A, 0x082C, 0x0843), "cp1251"),
}
_WINDOWS_CODEPAGES = frozenset({874, 932, 936, 949, 950, *range(1250, 1259)})


def ansi_codepage(locale_id: object, internet_cpid: object) -> str | None:
    """Shared: the Windows ANSI code page that 8-bit MAPI strings of this locale use."""
    if isinstance(locale_id, int) and locale_id:
        locale = locale_id & 0xFFFF
        return _ANSI_BY_LOCALE.get(locale) or _ANSI_BY_LANGUAGE.get(locale & 0x3FF, "cp1252")
    if isinstance(internet_cpid, int) and internet_cpid in _WINDOWS_CODEPAGES:
        return f"cp{internet_cpid}"
    return None


def parse_transport_headers(text: str | None) -> Message | None:
    """Shared: PR_TRANSPORT_MESSAGE_HEADERS as a header-only message, None when absent."""
    if not text or not text.strip():
        return None
    # Exchange prefixes the block with this line, which is not a header.
    text = re.sub(r"^Microsoft Mail Internet Headers Version 2\.0\r?\n", "", text.lstrip())
    return HeaderParser(policy=policy.compat32).parsestr(text, headersonly=True)


def apply_transport_headers(parsed: ParsedMessage, header: Message) -> None:
    """Shared: fill headers, ids, Date text and addresses from transport headers, read
    as an e-mail file's headers are (ingest.rfc822.read_headers)."""
    rfc822.read_headers(header, parsed)


def mapi_address(name: str | None, smtp: str | None, email: str | None) -> Address | None:
    """Shared: a MAPI display name + SMTP/native address as an Address.

    The SMTP address property wins over the native one, which for Exchange users is
    an X500 DN ("/O=ORG/OU=.../CN=USER"); that DN is kept when it is all there is.
    """
    name = clean_text(name or "")
    chosen = clean_text(smtp or "") or clean_text(email or "")
    if not chosen and not name:
        return None
    if _ADDRESS.match(chosen):
        chosen = chosen.lower()
    return Address(chosen, name)


def pick_sender(candidates: list[Address | None]) -> Address | None:
    """Shared: the From among [sent-representing, sender] property sets.

    "Sent representing" is the From of the mail and PR_SENDER_* who pressed send (a
    delegate); the first that has an address wins, else the first with a name.
    """
    present = [candidate for candidate in candidates if candidate is not None]
    with_address = [candidate for candidate in present if candidate.email]
    if with_address:
        return with_address[0]
    return present[0] if present else None


def strip_msgid(value: object) -> str:
    """A message id from a MAPI string property (which may be None)."""
    return rfc822.message_id(clean_text(unfold(str(value)))) if value is not None else ""


def thread_index(value: bytes | None) -> str:
    """Shared: PR_CONVERSATION_INDEX as the Thread-Index header carries it (base64)."""
    return base64.b64encode(value).decode("ascii") if value else ""


def split_msgids(value: object) -> list[str]:
    return rfc822.message_ids(unfold(str(value))) if value is not None else []


def unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]*", " ", value).strip()


def clean_text(value: str) -> str:
    """MAPI strings often end in NULs (fixed-size buffers); they mean nothing."""
    return value.replace("\x00", "").strip()


def normalize_newlines(value: str) -> str:
    return value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def safe_filename(value: str) -> str:
    return _UNSAFE_FILENAME.sub("_", value).strip(" ._")[:150]


def guess_type(filename: str, declared: str | None) -> str:
    """Shared: content type from the file name, then the stored MIME tag."""
    guessed, _ = mimetypes.guess_type(filename) if filename else (None, None)
    if guessed:
        return guessed
    if declared and "/" in declared:
        return declared.strip().lower()
    return "application/octet-stream"


def decode_html(raw: bytes, internet_cpid: object, defects: list[str]) -> str:
    """Shared: PR_HTML bytes as text.

    The charset is tried from the HTML's own meta tag, then PR_INTERNET_CPID; a
    declaration that does not decode (Outlook writes utf-8 over cp1251 bytes) falls
    through to the next candidate.
    """
    candidates: list[str] = []
    declared = _META_CHARSET.search(raw[:4096])
    if declared:
        candidates.append(declared.group(1).decode("ascii"))
    if isinstance(internet_cpid, int) and internet_cpid:
        candidates.append("utf-8" if internet_cpid == 65001 else f"cp{internet_cpid}")
    candidates.append("utf-8")
    for charset in candidates:
        try:
            return normalize_newlines(raw.decode(charset))
        except (LookupError, UnicodeDecodeError):
            continue
    defects.append("HTML body charset unknown; decoded as cp1252 with replacements")
    return normalize_newlines(raw.decode("cp1252", errors="replace"))


def fill_from_rtf(parsed: ParsedMessage, rtf: bytes | None) -> None:
    """Shared: fill a missing plain/HTML body from RTF that encapsulates one."""
    if not rtf:
        return
    if len(rtf) > RTF_DECODE_LIMIT:
        parsed.defects.append(f"RTF body of {len(rtf)} bytes not decoded (limit {RTF_DECODE_LIMIT})")
        return
    decoded = guard(parsed.defects, "RTF body decoding", lambda: deencapsulate(rtf))
    if decoded is None:
        return  # plain RTF (a WordPad-style body): nothing to recover as text/HTML here
    kind, content = decoded
    if kind == "html" and not parsed.body_html:
        parsed.body_html = normalize_newlines(content)
    elif kind == "text" and not parsed.body_text:
        parsed.body_text = normalize_newlines(content)


def guard(defects: list[str], what: str, read: Callable[[], _T]) -> _T | None:
    """Run one part of the conversion; a failure becomes a defect instead of losing the message."""
    try:
        return read()
    except Exception as exc:  # third-party parsers raise anything on damaged input
        logger.debug("%s unreadable", what, exc_info=True)
        defects.append(f"{what} unreadable: {type(exc).__name__}: {exc}")
        return None
