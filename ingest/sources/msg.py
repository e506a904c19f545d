"""Outlook .msg files as ParsedMessage (MAPI conventions shared with PST: ingest.sources.mapi).

An .msg is an OLE compound file holding one MAPI message (properties, recipient
table, attachments, possibly nested messages). ingest.sources.msg_props reads its
properties with olefile; the mapping to ParsedMessage (which property wins over which
header, how an Exchange address becomes an Address, how bodies are decoded) is done
here and in ingest.sources.mapi, which the PST reader uses too so both sources agree.
"""

from __future__ import annotations

import functools

from compressed_rtf import decompress  # type: ignore[import-untyped]

from ingest import rfc822
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
    thread_index,
)
from ingest.sources.msg_props import MsgFile, Properties
from ingest.sources.rfc822_render import to_rfc822

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The smallest compound file: a header, one FAT sector and one directory sector.
MIN_OLE_SIZE = 1536
# Mail nested deeper than this is almost certainly a crafted file; stop, note a defect.
MAX_NESTING = 8

# MAPI property ids (MS-OXPROPS) read below.
_MESSAGE_CLASS, _SUBJECT, _TRANSPORT_HEADERS = 0x001A, 0x0037, 0x007D
_SENT_REPRESENTING = (0x0042, 0x5D02, 0x0065)  # name, SMTP address, native address
_SENDER = (0x0C1A, 0x5D01, 0x0C1F)
_MESSAGE_ID, _IN_REPLY_TO, _REFERENCES = 0x1035, 0x1042, 0x1039
_CONVERSATION_TOPIC, _CONVERSATION_INDEX = 0x0070, 0x0071
_SUBMITTED, _DELIVERED = 0x0039, 0x0E06
_BODY, _RTF_COMPRESSED, _HTML, _INTERNET_CPID = 0x1000, 0x1009, 0x1013, 0x3FDE
_RECIPIENT_TYPE, _DISPLAY_NAME, _EMAIL, _SMTP = 0x0C15, 0x3001, 0x3003, 0x39FE
_ATTACH_DATA, _ATTACH_METHOD, _ATTACH_HIDDEN, _ATTACH_MIME = 0x3701, 0x3705, 0x7FFE, 0x370E
_ATTACH_NAMES = (0x3707, 0x3704, 0x3001)  # long file name, short (8.3) one, display name
_EMBEDDED_MESSAGE = 5  # PR_ATTACH_METHOD afEmbeddedMessage

_Recipients = tuple[list[Address], list[Address], list[Address]]  # To, Cc, Bcc


class _NotAnMsgError(ValueError):
    """A readable OLE file that holds something else (a Word .doc, say)."""


def read_msg(data: bytes) -> ParsedMessage:
    """Parse an Outlook .msg; ValueError when it is not one or is too damaged to open."""
    if not data.startswith(OLE_MAGIC):
        raise ValueError("not an Outlook MSG file (no OLE header)")
    if len(data) < MIN_OLE_SIZE:
        raise ValueError(
            f"truncated Outlook MSG file ({len(data)} bytes, under the OLE minimum {MIN_OLE_SIZE})"
        )
    try:
        msg_file = MsgFile(data)
    except ValueError as exc:  # the OLE directory itself: no message can be recovered
        raise ValueError(f"corrupt Outlook MSG file: {exc}") from exc
    try:
        message = msg_file.message()
        if not message.has_properties():
            raise _NotAnMsgError("an OLE file but not an Outlook MSG (no MAPI property stream)")
        parsed = _convert(message, depth=0)
    except _NotAnMsgError:
        raise
    except Exception as exc:  # damage outside the guarded parts (the top-level property stream)
        raise ValueError(f"corrupt Outlook MSG file: {exc}") from exc
    finally:
        msg_file.close()
    parsed.defects[:0] = msg_file.issues
    return parsed


def _convert(message: Properties, depth: int) -> ParsedMessage:
    parsed = ParsedMessage()
    defects = parsed.defects
    read_headers = functools.partial(message.string, _TRANSPORT_HEADERS, defects)
    header = guard(defects, "transport headers", lambda: parse_transport_headers(read_headers()))
    if header is not None:
        apply_transport_headers(parsed, header)
    # Each part is guarded on its own so that damage in one (a bad body stream, say)
    # still leaves the others.
    guard(defects, "envelope", lambda: _fill_envelope(parsed, message))
    message_class = guard(defects, "message class", lambda: message.string(_MESSAGE_CLASS, defects)) or ""
    signed = guard(defects, "signed content", lambda: _signed_content(message, message_class))
    guard(defects, "body", lambda: _fill_bodies(parsed, message, signed))
    guard(defects, "attachments", lambda: _fill_attachments(parsed, message, signed, depth))
    message_class = clean_text(message_class)
    if message_class and not message_class.upper().startswith("IPM.NOTE"):
        parsed.headers.setdefault("X-Message-Class", message_class)
    return parsed


def _fill_envelope(parsed: ParsedMessage, message: Properties) -> None:
    defects = parsed.defects

    def text(prop_id: int) -> str:
        return clean_text(message.string(prop_id, defects) or "")

    parsed.subject = text(_SUBJECT) or parsed.subject
    if parsed.sender is None:
        # Sent-representing (the From) first, then PR_SENDER_* (who pressed send).
        parsed.sender = pick_sender([mapi_address(*map(text, ids)) for ids in (_SENT_REPRESENTING, _SENDER)])
    recipients = guard(defects, "recipient table", lambda: _recipients(message, defects))
    if recipients and any(recipients):
        parsed.to, parsed.cc, parsed.bcc = recipients
    parsed.message_id = parsed.message_id or strip_msgid(text(_MESSAGE_ID))
    parsed.in_reply_to = parsed.in_reply_to or strip_msgid(text(_IN_REPLY_TO))
    parsed.references = parsed.references or split_msgids(text(_REFERENCES))
    parsed.thread_topic = parsed.thread_topic or text(_CONVERSATION_TOPIC)
    parsed.thread_index = parsed.thread_index or thread_index(message.binary(_CONVERSATION_INDEX))
    submitted = message.time(_SUBMITTED)
    parsed.date = submitted or parse_date(parsed.date_header) or message.time(_DELIVERED)
    if not parsed.date_header and parsed.date is not None:
        parsed.date_header = parsed.date.isoformat()


def _recipients(message: Properties, defects: list[str]) -> _Recipients:
    to: list[Address] = []
    cc: list[Address] = []
    bcc: list[Address] = []
    by_type = {1: to, 2: cc, 3: bcc}
    for recipient in message.recipients():
        # The low bits are MAPI_TO/CC/BCC; higher ones are flags (MAPI_SUBMITTED...).
        target = by_type.get((recipient.integer(_RECIPIENT_TYPE) or 0) & 0xF)
        name, smtp, email = (recipient.string(i, defects) for i in (_DISPLAY_NAME, _SMTP, _EMAIL))
        address = mapi_address(name, smtp, email)
        if target is not None and address is not None:
            target.append(address)
    return to, cc, bcc


def _signed_content(message: Properties, message_class: str) -> ParsedMessage | None:
    """Bodies and attachments of an S/MIME signed mail, which Outlook keeps as its one attachment.

    An opaque or encrypted S/MIME mail (IPM.Note.SMIME) is left alone: its smime.p7m
    attachment is kept as found, since its content is not MIME until decrypted or unwrapped.
    """
    if not clean_text(message_class).lower().endswith(".smime.multipartsigned"):
        return None
    attachments = message.attachments()
    content = attachments[0].binary(_ATTACH_DATA) if attachments else None
    return rfc822.parse_parts(content) if content else None


def _fill_bodies(parsed: ParsedMessage, message: Properties, signed: ParsedMessage | None) -> None:
    defects = parsed.defects
    body = clean_text(message.string(_BODY, defects) or "") or (signed.body_text if signed else "")
    parsed.body_text = normalize_newlines(body)
    html_bytes = message.binary(_HTML)
    # Some writers store the HTML body as a string property (PR_BODY_HTML) instead.
    html_text = None if html_bytes else message.string(_HTML, defects)
    if html_bytes:
        parsed.body_html = decode_html(html_bytes, message.integer(_INTERNET_CPID), defects)
    elif html_text:
        parsed.body_html = normalize_newlines(html_text)
    elif signed is not None:
        parsed.body_html = normalize_newlines(signed.body_html)
    if not parsed.body_text or not parsed.body_html:
        rtf = guard(defects, "RTF body", lambda: message.binary(_RTF_COMPRESSED))
        fill_from_rtf(parsed, _decompress_rtf(rtf, defects) if rtf else None)


def _fill_attachments(
    parsed: ParsedMessage, message: Properties, signed: ParsedMessage | None, depth: int
) -> None:
    if signed is not None:  # the MAPI attachment is the signed content itself
        parsed.attachments.extend(signed.attachments)
        parsed.defects.extend(f"signed content: {defect}" for defect in signed.defects)
        return
    for index, attachment in enumerate(message.attachments()):
        found: list[str] = []
        read = functools.partial(_attachment, attachment, depth, found)
        converted = guard(parsed.defects, f"attachment {index}", read)
        if converted is not None:
            parsed.attachments.append(converted)
        parsed.defects.extend(f"attachment {index}: {defect}" for defect in found)


def _attachment(attachment: Properties, depth: int, defects: list[str]) -> Attachment | None:
    """The attachment, or None with the reason in defects."""
    name = next(filter(None, (clean_text(attachment.string(i, defects) or "") for i in _ATTACH_NAMES)), "")
    data = attachment.binary(_ATTACH_DATA)
    if data is not None:
        content_type = guess_type(name, attachment.string(_ATTACH_MIME, defects))
        return Attachment(name or "attachment", content_type, data, attachment.boolean(_ATTACH_HIDDEN))
    method = attachment.integer(_ATTACH_METHOD)
    inner = attachment.embedded_message()
    # Without PR_ATTACH_METHOD, a storage with MAPI properties can only be a message.
    if inner is not None and (method == _EMBEDDED_MESSAGE or (method is None and inner.has_properties())):
        return _embedded(inner, depth, defects)
    defects.append(f"{name or 'unnamed'} has no readable data (attach method {method})")
    return None


def _embedded(inner: Properties, depth: int, defects: list[str]) -> Attachment | None:
    if depth + 1 > MAX_NESTING:
        defects.append(f"embedded message nested deeper than {MAX_NESTING} levels, not read")
        return None
    parsed = _convert(inner, depth + 1)
    defects.extend(f"embedded message: {defect}" for defect in parsed.defects)
    return embedded_attachment(parsed)


def embedded_attachment(parsed: ParsedMessage) -> Attachment:
    """Shared: a nested message as a message/rfc822 attachment named after its subject."""
    filename = f"{safe_filename(parsed.subject) or 'message'}.eml"
    return Attachment(filename, "message/rfc822", to_rfc822(parsed))


def _decompress_rtf(compressed: bytes, defects: list[str]) -> bytes | None:
    # PR_RTF_COMPRESSED is LZFu-compressed (MS-OXRTFCP).
    try:
        return bytes(decompress(compressed))
    except Exception as exc:  # compressed_rtf raises bare Exceptions on bad headers/CRC
        defects.append(f"RTF body not decompressible: {exc}")
        return None
