"""Outlook .msg files as ParsedMessage (MAPI conventions shared with PST: ingest.sources.mapi).

An .msg is an OLE compound file holding one MAPI message (properties, recipient
table, attachments, possibly nested messages). `extract-msg` reads the storage; the
mapping to ParsedMessage (which property wins over which header, how an Exchange
address becomes an Address, how bodies are decoded) is done here and in
ingest.sources.mapi, which the PST reader uses too so both sources agree.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime

import extract_msg
from compressed_rtf import decompress  # type: ignore[import-untyped]
from extract_msg.attachments import AttachmentBase, SignedAttachment
from extract_msg.enums import ErrorBehavior
from extract_msg.msg_classes import MessageSignedBase, MSGFile

from ingest.message import Address, Attachment, ParsedMessage
from ingest.rfc822 import parse_date
from ingest.sources.mapi import (
    apply_transport_headers,
    clean_text,
    decode_html,
    fill_from_rtf,
    guard,
    guess_type,
    mapi_address,
    normalize_newlines,
    parse_transport_headers,
    pick_sender,
    safe_filename,
    split_msgids,
    strip_msgid,
)
from ingest.sources.rfc822_render import to_rfc822

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# olefile's own minimum; shorter input would be taken for a file *name* by olefile.
MIN_OLE_SIZE = 1536
# Mail nested deeper than this is almost certainly a crafted file; stop, note a defect.
MAX_NESTING = 8
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
    header = guard(defects, "transport headers", lambda: parse_transport_headers(_text(msg, "007D")))
    if header is not None:
        apply_transport_headers(parsed, header)
    # Each part is guarded on its own so that damage in one (a bad body stream, say)
    # still leaves the others.
    guard(defects, "envelope", lambda: _fill_envelope(parsed, msg))
    guard(defects, "body", lambda: _fill_bodies(parsed, msg))
    guard(defects, "attachments", lambda: _fill_attachments(parsed, msg, depth))
    message_class = guard(defects, "message class", lambda: _text(msg, "001A", defects))
    if message_class and not message_class.upper().startswith("IPM.NOTE"):
        parsed.headers.setdefault("X-Message-Class", message_class)
    return parsed


def _fill_envelope(parsed: ParsedMessage, msg: MSGFile) -> None:
    defects = parsed.defects
    parsed.subject = _text(msg, "0037", defects) or parsed.subject
    if parsed.sender is None:
        parsed.sender = _sender(msg, defects)
    recipients = guard(defects, "recipient table", lambda: _recipients(msg))
    if recipients and any(recipients):
        parsed.to, parsed.cc, parsed.bcc = recipients
    parsed.message_id = parsed.message_id or strip_msgid(_text(msg, "1035", defects))
    parsed.in_reply_to = parsed.in_reply_to or strip_msgid(_text(msg, "1042", defects))
    parsed.references = parsed.references or split_msgids(_text(msg, "1039", defects))
    submitted = _mapi_time(msg.getPropertyVal("00390040"))
    parsed.date = submitted or parse_date(parsed.date_header) or _mapi_time(msg.getPropertyVal("0E060040"))
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
        body: str | None = guard(defects, "signed body", lambda: signed.body)
        html: bytes | None = guard(defects, "signed HTML body", lambda: signed.htmlBody)
        parsed.body_text = normalize_newlines(body or "")
        parsed.body_html = decode_html(html, None, defects) if html else ""
        return
    parsed.body_text = normalize_newlines(_text(msg, "1000", defects) or "")
    html_bytes = msg.getStream("__substg1.0_10130102")
    if html_bytes:
        parsed.body_html = decode_html(html_bytes, msg.getPropertyVal("3FDE0003"), defects)
    if not parsed.body_text or not parsed.body_html:
        rtf: bytes | None = guard(defects, "RTF body", lambda: msg.getStream("__substg1.0_10090102"))
        fill_from_rtf(parsed, _decompress_rtf(rtf, defects) if rtf else None)


def _fill_attachments(parsed: ParsedMessage, msg: MSGFile, depth: int) -> None:
    def load() -> list[AttachmentBase | SignedAttachment]:
        return list(msg.attachments)

    for index, attachment in enumerate(guard(parsed.defects, "attachment list", load) or []):
        read = functools.partial(_attachment, attachment, depth)
        converted = guard(parsed.defects, f"attachment {index}", read)
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
