"""Outlook .msg files as ParsedMessage, and the MAPI conventions shared with PST items.

An .msg is an OLE compound file holding one MAPI message (properties, recipient
table, attachments, possibly nested messages). `extract-msg` reads the storage; the
mapping to ParsedMessage (which property wins over which header, how an Exchange
address becomes an Address, how bodies are decoded) is done here, and the helpers
marked "shared" are used by the PST reader too so both sources agree.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import HeaderParser
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import extract_msg
import RTFDE  # type: ignore[import-untyped]
from compressed_rtf import decompress  # type: ignore[import-untyped]
from extract_msg.attachments import AttachmentBase, SignedAttachment
from extract_msg.enums import ErrorBehavior
from extract_msg.msg_classes import MessageSignedBase, MSGFile
from extract_msg.utils import stripRtf

from ingest.message import Address, Attachment, ParsedMessage
from ingest.sources.rfc822_render import to_rfc822

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# olefile's own minimum; shorter input would be taken for a file *name* by olefile.
MIN_OLE_SIZE = 1536
# Mail nested deeper than this is almost certainly a crafted file; stop, note a defect.
MAX_NESTING = 8
# RTFDE needs about 15 s per MiB of RTF; past this the HTML is not worth the wait.
RTF_DECODE_LIMIT = 2 * 1024 * 1024
# Tolerate broken attachments and minor standard violations: an e-discovery reader
# must give what it can and report the rest as defects, not refuse the message.
_ERROR_BEHAVIOR = (
    ErrorBehavior.ATTACH_SUPPRESS_ALL | ErrorBehavior.STANDARDS_VIOLATION | ErrorBehavior.NAMED_NAME_STREAM
)

# PR_MESSAGE_LOCALE_ID primary language -> Windows ANSI code page, for non-Unicode
# MSGs without PR_MESSAGE_CODEPAGE (extract-msg would assume ISO-8859-15).
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

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_MSGID = re.compile(r"<([^<>\s]+)>")
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*[\\"']*\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')

_T = TypeVar("_T")


class _NotAnMsgError(ValueError):
    """A readable OLE file that holds something else (a Word .doc, say)."""


logger = logging.getLogger(__name__)


def read_msg(data: bytes) -> ParsedMessage:
    """Parse an Outlook .msg; ValueError when it is not one or is too damaged to open."""
    if not data.startswith(OLE_MAGIC):
        raise ValueError("not an Outlook MSG file (no OLE header)")
    if len(data) < MIN_OLE_SIZE:
        raise ValueError(
            f"truncated Outlook MSG file ({len(data)} bytes, under the OLE minimum {MIN_OLE_SIZE})"
        )
    msg = _open(data)
    try:
        return _convert(msg, depth=0)
    except Exception as exc:  # damage outside the guarded parts (the OLE directory itself)
        raise ValueError(f"corrupt Outlook MSG file: {exc}") from exc
    finally:
        msg.close()


# --- opening -----------------------------------------------------------------------


def _open(data: bytes) -> MSGFile:
    # Everything up to here reads the OLE directory and the top-level property
    # stream; failing there means no message can be recovered at all.
    try:
        encoding = _ansi_override(data)
        msg = extract_msg.openMsg(
            data,
            strict=False,
            delayAttachments=True,
            errorBehavior=_ERROR_BEHAVIOR,
            overrideEncoding=encoding,
        )
    except _NotAnMsgError:
        raise
    except Exception as exc:  # olefile and extract-msg raise many types for damaged input
        raise ValueError(f"corrupt Outlook MSG file: {exc}") from exc
    return msg


def _ansi_override(data: bytes) -> str | None:
    """The code page of a non-Unicode MSG that does not state PR_MESSAGE_CODEPAGE."""
    probe = MSGFile(data, delayAttachments=True, errorBehavior=_ERROR_BEHAVIOR)  # type: ignore[no-untyped-call]
    try:
        if not probe.exists("__properties_version1.0"):
            raise _NotAnMsgError("an OLE file but not an Outlook MSG (no MAPI property stream)")
        if probe.areStringsUnicode or "3FFD0003" in probe.props:
            return None
        return ansi_codepage(probe.getPropertyVal("3FF10003"), probe.getPropertyVal("3FDE0003"))
    finally:
        probe.close()


def ansi_codepage(locale_id: object, internet_cpid: object) -> str | None:
    """Shared: the Windows ANSI code page that 8-bit MAPI strings of this locale use."""
    if isinstance(locale_id, int) and locale_id:
        locale = locale_id & 0xFFFF
        return _ANSI_BY_LOCALE.get(locale) or _ANSI_BY_LANGUAGE.get(locale & 0x3FF, "cp1252")
    if isinstance(internet_cpid, int) and internet_cpid in _WINDOWS_CODEPAGES:
        return f"cp{internet_cpid}"
    return None


# --- conversion ----------------------------------------------------------------------


def _convert(msg: MSGFile, depth: int) -> ParsedMessage:
    parsed = ParsedMessage()
    defects = parsed.defects
    header = _guard(defects, "transport headers", lambda: parse_transport_headers(_text(msg, "007D")))
    if header is not None:
        apply_transport_headers(parsed, header)
    # Each part is guarded on its own so that damage in one (a bad body stream, say)
    # still leaves the others.
    _guard(defects, "envelope", lambda: _fill_envelope(parsed, msg))
    _guard(defects, "body", lambda: _fill_bodies(parsed, msg))
    _guard(defects, "attachments", lambda: _fill_attachments(parsed, msg, depth))
    message_class = _guard(defects, "message class", lambda: _text(msg, "001A", defects))
    if message_class and not message_class.upper().startswith("IPM.NOTE"):
        parsed.headers.setdefault("X-Message-Class", message_class)
    return parsed


def _fill_envelope(parsed: ParsedMessage, msg: MSGFile) -> None:
    defects = parsed.defects
    parsed.subject = _text(msg, "0037", defects) or parsed.subject
    if parsed.sender is None:
        parsed.sender = _sender(msg, defects)
    recipients = _guard(defects, "recipient table", lambda: _recipients(msg))
    if recipients and any(recipients):
        parsed.to, parsed.cc, parsed.bcc = recipients
    parsed.message_id = parsed.message_id or strip_msgid(_text(msg, "1035", defects))
    parsed.in_reply_to = parsed.in_reply_to or strip_msgid(_text(msg, "1042", defects))
    parsed.references = parsed.references or split_msgids(_text(msg, "1039", defects))
    submitted = _mapi_time(msg.getPropertyVal("00390040"))
    parsed.date = submitted or header_date(parsed.date_header) or _mapi_time(msg.getPropertyVal("0E060040"))
    if not parsed.date_header and parsed.date is not None:
        parsed.date_header = parsed.date.isoformat()


def _sender(msg: MSGFile, defects: list[str]) -> Address | None:
    def read(name_id: str, smtp_id: str, email_id: str) -> Address | None:
        return mapi_address(
            _text(msg, name_id, defects), _text(msg, smtp_id, defects), _text(msg, email_id, defects)
        )

    # Sent-representing (the From) first, then PR_SENDER_* (who pressed send).
    return pick_sender([read("0042", "5D02", "0065"), read("0C1A", "5D01", "0C1F")])


def _recipients(msg: MSGFile) -> tuple[list[Address], list[Address], list[Address]]:
    to: list[Address] = []
    cc: list[Address] = []
    bcc: list[Address] = []
    by_type = {1: to, 2: cc, 3: bcc}
    for recipient in getattr(msg, "recipients", []):
        target = by_type.get(int(recipient.type))
        address = mapi_address(recipient.name, recipient.smtpAddress, recipient.email)
        if target is not None and address is not None:
            target.append(address)
    return to, cc, bcc


def _fill_bodies(parsed: ParsedMessage, msg: MSGFile) -> None:
    defects = parsed.defects
    if isinstance(msg, MessageSignedBase):
        # S/MIME: the bodies live in the signed MIME blob, which extract-msg unpacks.
        signed = msg
        body: str | None = _guard(defects, "signed body", lambda: signed.body)
        html: bytes | None = _guard(defects, "signed HTML body", lambda: signed.htmlBody)
        parsed.body_text = normalize_newlines(body or "")
        parsed.body_html = decode_html(html, None, defects) if html else ""
        return
    parsed.body_text = normalize_newlines(_text(msg, "1000", defects) or "")
    html_bytes = msg.getStream("__substg1.0_10130102")
    if html_bytes:
        parsed.body_html = decode_html(html_bytes, msg.getPropertyVal("3FDE0003"), defects)
    if not parsed.body_text or not parsed.body_html:
        rtf: bytes | None = _guard(defects, "RTF body", lambda: msg.getStream("__substg1.0_10090102"))
        fill_from_rtf(parsed, _decompress_rtf(rtf, defects) if rtf else None)


def _fill_attachments(parsed: ParsedMessage, msg: MSGFile, depth: int) -> None:
    def load() -> list[AttachmentBase | SignedAttachment]:
        return list(msg.attachments)

    for index, attachment in enumerate(_guard(parsed.defects, "attachment list", load) or []):
        read = functools.partial(_attachment, attachment, depth)
        converted = _guard(parsed.defects, f"attachment {index}", read)
        if isinstance(converted, Attachment):
            parsed.attachments.append(converted)
        elif isinstance(converted, str):
            parsed.defects.append(f"attachment {index}: {converted}")


def _attachment(attachment: AttachmentBase | SignedAttachment, depth: int) -> Attachment | str:
    """The attachment, or a reason why it carries no data."""
    data = attachment.data
    if isinstance(data, MSGFile):
        return _embedded(data, depth)
    name = _attachment_name(attachment)
    if not isinstance(data, bytes):
        return f"{name or 'unnamed'} has no readable data ({type(attachment).__name__})"
    inline = bool(getattr(attachment, "hidden", False))
    return Attachment(name or "attachment", guess_type(name, attachment.mimetype), data, inline)


def _embedded(inner: MSGFile, depth: int) -> Attachment | str:
    if depth + 1 > MAX_NESTING:
        return f"embedded message nested deeper than {MAX_NESTING} levels, not read"
    parsed = _convert(inner, depth + 1)
    return embedded_attachment(parsed)


def embedded_attachment(parsed: ParsedMessage) -> Attachment:
    """Shared: a nested message as a message/rfc822 attachment named after its subject."""
    filename = f"{safe_filename(parsed.subject) or 'message'}.eml"
    return Attachment(filename, "message/rfc822", to_rfc822(parsed))


def _attachment_name(attachment: AttachmentBase | SignedAttachment) -> str:
    if isinstance(attachment, SignedAttachment):
        return clean_text(attachment.name or "")
    for candidate in (attachment.longFilename, attachment.shortFilename, attachment.displayName):
        if candidate and clean_text(candidate):
            return clean_text(candidate)
    return ""


# --- shared helpers (PST reader uses these too) -------------------------------------------


def parse_transport_headers(text: str | None) -> Message | None:
    """Shared: PR_TRANSPORT_MESSAGE_HEADERS as a header-only message, None when absent."""
    if not text or not text.strip():
        return None
    # Exchange prefixes the block with this line, which is not a header.
    text = re.sub(r"^Microsoft Mail Internet Headers Version 2\.0\r?\n", "", text.lstrip())
    return HeaderParser(policy=policy.compat32).parsestr(text, headersonly=True)


def apply_transport_headers(parsed: ParsedMessage, header: Message) -> None:
    """Shared: fill headers dict, ids, Date text and addresses from transport headers."""
    for name, value in header.items():
        parsed.headers.setdefault(name, unfold(str(value)))
    parsed.date_header = unfold(str(header.get("Date", "")))
    parsed.message_id = strip_msgid(header.get("Message-ID"))
    parsed.in_reply_to = strip_msgid(header.get("In-Reply-To"))
    parsed.references = split_msgids(header.get("References"))
    parsed.subject = decoded_header(header.get("Subject"))
    senders = addresses_from_header(header.get("From"))
    parsed.sender = senders[0] if senders else None
    parsed.to = addresses_from_header(header.get("To"))
    parsed.cc = addresses_from_header(header.get("Cc"))
    parsed.bcc = addresses_from_header(header.get("Bcc"))


def header_date(value: str) -> datetime | None:
    """Shared: a Date header as UTC, None when it does not parse."""
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    # A Date without a zone ("-0000" or none) is taken as UTC, as the EML reader does.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def addresses_from_header(value: object) -> list[Address]:
    """Shared: an address header (RFC 2047 names decoded) as Address values."""
    if value is None:
        return []
    try:
        header: Any = policy.default.header_factory("to", unfold(str(value)))
        mailboxes = list(header.addresses)
    except Exception:  # the header parser has many failure modes on junk input
        return []
    addresses = (mapi_address(box.display_name, None, box.addr_spec) for box in mailboxes)
    return [address for address in addresses if address is not None]


def decoded_header(value: object) -> str:
    """Shared: an unstructured header with RFC 2047 words decoded."""
    if value is None:
        return ""
    try:
        return str(policy.default.header_factory("subject", unfold(str(value))))
    except Exception:  # keep the raw text rather than lose it
        return unfold(str(value))


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
    if value is None:
        return ""
    text = clean_text(unfold(str(value)))
    found = _MSGID.search(text)
    return found.group(1) if found else text.strip("<> ")


def split_msgids(value: object) -> list[str]:
    if value is None:
        return []
    text = unfold(str(value))
    found = _MSGID.findall(text)
    return found if found else [part for part in text.split() if part]


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
    decoded = _guard(parsed.defects, "RTF body decoding", lambda: _deencapsulate(rtf))
    if decoded is None:
        return
    kind, content = decoded
    if kind == "html" and not parsed.body_html:
        parsed.body_html = normalize_newlines(content)
    elif kind == "text" and not parsed.body_text:
        parsed.body_text = normalize_newlines(content)


def _deencapsulate(rtf: bytes) -> tuple[str, str] | None:
    # Outlook trails some RTF bodies with bytes after the closing brace, which RTFDE rejects.
    end = rtf.rfind(b"}")
    if end == -1:
        return None
    decoder = RTFDE.DeEncapsulator(stripRtf(rtf[: end + 1]))
    try:
        decoder.deencapsulate()
    except RTFDE.exceptions.NotEncapsulatedRtf:
        return None  # plain RTF (a WordPad-style body): nothing to recover as text/HTML here
    content = decoder.html if decoder.content_type == "html" else decoder.text
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    return str(decoder.content_type), str(content)


# --- small internals ---------------------------------------------------------------------


def _decompress_rtf(compressed: bytes, defects: list[str]) -> bytes | None:
    # PR_RTF_COMPRESSED is LZFu-compressed (MS-OXRTFCP); extract-msg's own rtfBody
    # exists only on message classes, so non-message MSGs are decompressed here.
    try:
        return bytes(decompress(compressed))
    except Exception as exc:  # compressed_rtf raises bare Exceptions on bad headers/CRC
        defects.append(f"RTF body not decompressible: {exc}")
        return None


def _text(msg: MSGFile, property_id: str, defects: list[str] | None = None) -> str | None:
    """A string property; undecodable bytes are replaced (and noted) rather than fatal."""
    try:
        value = msg.getStringStream(f"__substg1.0_{property_id}")
    except UnicodeDecodeError:
        suffix = "001F" if msg.areStringsUnicode else "001E"
        raw = msg.getStream(f"__substg1.0_{property_id}{suffix}") or b""
        if defects is not None:
            defects.append(f"property {property_id} is not valid {msg.stringEncoding}; replaced bad bytes")
        value = raw.decode(msg.stringEncoding, errors="replace")
    return clean_text(value) if value is not None else None


def _mapi_time(value: object) -> datetime | None:
    # MAPI uses 4501-01-01 for "no date"; anything from then on is not a real date.
    if not isinstance(value, datetime) or value.year >= 4500:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _guard(defects: list[str], what: str, read: Callable[[], _T]) -> _T | None:
    """Run one part of the conversion; a failure becomes a defect instead of losing the message."""
    try:
        return read()
    except Exception as exc:  # third-party parsers raise anything on damaged input
        logger.debug("MSG %s unreadable", what, exc_info=True)
        defects.append(f"{what} unreadable: {type(exc).__name__}: {exc}")
        return None
