"""Parse RFC 822 bytes into a ParsedMessage, tolerating what real mailboxes contain.

Truncated MIME, unknown or wrong charsets and 8-bit headers are common in old
mail. Each such problem is noted in `defects` and the message is kept: a bad
header never costs the rest of the message.
"""

from __future__ import annotations

import email
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from app.core.hashing import sha256
from ingest.message import Address, Attachment, ParsedMessage

MAX_HEADER_VALUES = 200
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_FOLD = re.compile(r"\r?\n(?=[ \t])")  # RFC 5322 folding: the line break goes, the blank stays
_MAIL_HEADERS = ("From", "To", "Date", "Subject", "Message-ID", "Received")


def parse(data: bytes) -> ParsedMessage:
    """Raise ValueError when the bytes are not a message at all.

    The stdlib's compat32 parser with our own header decoding: several times
    faster than the modern policy's header registry, and never raises on a
    malformed header.
    """
    message = email.message_from_bytes(data)
    if not any(message.get(name) is not None for name in _MAIL_HEADERS):
        raise ValueError("not an e-mail message: no From, To, Date, Subject or Message-ID header")
    parsed = ParsedMessage(defects=[type(d).__name__ for d in message.defects])
    read_headers(message, parsed)
    parsed.date = parse_date(parsed.date_header)
    _walk(message, parsed)
    return parsed


def read_headers(message: Message, parsed: ParsedMessage) -> None:
    """Every header's first value, the subject, addresses, Date text and message ids.

    The one header decoder: e-mail files, and the transport headers that Outlook keeps
    in MSG and PST items, are read alike, so both give the same dedup key.
    """
    parsed.headers = _headers(message, parsed)
    parsed.subject = _header(message, "Subject", parsed)
    senders = addresses(message.get_all("From", failobj=[]), parsed)
    parsed.sender = senders[0] if senders else None
    parsed.to = addresses(message.get_all("To", failobj=[]), parsed)
    parsed.cc = addresses(message.get_all("Cc", failobj=[]), parsed)
    parsed.bcc = addresses(message.get_all("Bcc", failobj=[]), parsed)
    parsed.date_header = _header(message, "Date", parsed)
    parsed.message_id = message_id(_header(message, "Message-ID", parsed))
    parsed.in_reply_to = message_id(_header(message, "In-Reply-To", parsed))
    parsed.references = message_ids(_header(message, "References", parsed))
    parsed.thread_index = "".join(_header(message, "Thread-Index", parsed).split())
    parsed.thread_topic = _header(message, "Thread-Topic", parsed)


def parse_parts(data: bytes) -> ParsedMessage:
    """Bodies and attachments of a MIME entity that need not be a whole message.

    Outlook keeps an S/MIME signed mail's content as such an entity (multipart/signed
    with no From or Subject), and the .msg's own properties supply the envelope.
    """
    message = email.message_from_bytes(data)
    parsed = ParsedMessage(defects=[type(d).__name__ for d in message.defects])
    _walk(message, parsed)
    return parsed


def decode(value: object, parsed: ParsedMessage | None = None) -> str:
    """A header value as text: encoded words decoded, raw 8-bit bytes read as UTF-8 or cp1252."""
    if value is None:
        return ""
    if isinstance(value, Header):  # compat32 hands back raw 8-bit headers this way
        chunks = decode_header(value)
    else:
        raw = _FOLD.sub("", str(value))  # unfolded first: decode_header reads line by line
        if "=?" not in raw:
            return clean(raw, parsed)
        try:
            chunks = decode_header(raw)
        except Exception:  # a malformed encoded word: keep the text as it stands
            return clean(raw, parsed)
    text = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            text.append(chunk)
        elif charset in (None, "unknown-8bit") and not chunk.isascii():
            text.append(_eight_bit(chunk, parsed))
        else:
            try:
                text.append(chunk.decode(charset or "ascii"))
            except (LookupError, UnicodeDecodeError):
                _defect(parsed, f"header charset {charset}")
                text.append(chunk.decode("utf-8", "replace"))
    return clean("".join(text), parsed)


def _eight_bit(chunk: bytes, parsed: ParsedMessage | None) -> str:
    _defect(parsed, "8-bit header")
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError:
        return chunk.decode("cp1252", "replace")


def _defect(parsed: ParsedMessage | None, defect: str) -> None:
    if parsed is not None and defect not in parsed.defects:
        parsed.defects.append(defect)


def clean(value: str, parsed: ParsedMessage | None = None) -> str:
    """One line, and valid Unicode: undecodable 8-bit header bytes are read as UTF-8."""
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        value = _eight_bit(value.encode("utf-8", "surrogateescape"), parsed)
    return " ".join(value.split())


def _header(message: Message, name: str, parsed: ParsedMessage) -> str:
    return decode(message.get(name), parsed)


def _headers(message: Message, parsed: ParsedMessage) -> dict[str, str]:
    """Every header's first value."""
    headers: dict[str, str] = {}
    for name, value in message.items()[:MAX_HEADER_VALUES]:
        if name not in headers:
            headers[name] = decode(value, parsed)
    return headers


def addresses(values: Sequence[object], parsed: ParsedMessage | None = None) -> list[Address]:
    """Address header values as Address values: encoded names decoded, addresses lower-cased."""
    found = []
    for display, spec in getaddresses([str(v) for v in values]):
        if spec or display:
            spec = clean(spec, parsed)
            found.append(Address(spec.lower() if "@" in spec else spec, decode(display, parsed)))
    return found


def parse_date(value: str) -> datetime | None:
    """A Date header as aware UTC; a header with no zone is taken as UTC and says so nowhere."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def message_id(value: str) -> str:
    """A Message-ID (In-Reply-To) without its angle brackets, or any comment around it."""
    found = _MESSAGE_ID.search(value)
    return found.group(1) if found else value.strip().strip("<> ")


def message_ids(value: str) -> list[str]:
    """The ids of a References header, in order."""
    return _MESSAGE_ID.findall(value) or value.split()


def _walk(message: Message, parsed: ParsedMessage) -> None:
    """Bodies and attachments; an attached message is kept whole, never walked into."""
    for part in _leaves(message):
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = _filename(part, parsed)
        if part.get_content_maintype() == "message" and content_type != "message/delivery-status":
            _attach(parsed, part, filename or "attached-message.eml", "message/rfc822")
        elif disposition != "attachment" and not filename and content_type == "text/plain":
            parsed.body_text += _text(part, parsed)
        elif disposition != "attachment" and not filename and content_type == "text/html":
            parsed.body_html += _text(part, parsed)
        else:
            _attach(parsed, part, filename or _unnamed(part), content_type)


def _leaves(part: Message) -> list[Message]:
    # The stdlib counts message/rfc822 as multipart; for us it is one attachment.
    if part.get_content_maintype() == "message" and _is_attached(part) and _nested(part):
        return [part]
    if part.is_multipart():
        children = part.get_payload()
        return [leaf for child in children if isinstance(child, Message)
                for leaf in _leaves(child)]
    return [part]


def _nested(part: Message) -> bool:
    return isinstance(part.get_payload(), list)


def _is_attached(part: Message) -> bool:
    return part.get_content_type() != "message/delivery-status"


def _filename(part: Message, parsed: ParsedMessage) -> str:
    try:
        return decode(part.get_filename() or "", parsed)
    except Exception as exc:
        parsed.defects.append(f"filename: {type(exc).__name__}")
        return ""


def _unnamed(part: Message) -> str:
    extension = {"text/plain": ".txt", "text/html": ".html"}.get(part.get_content_type(), ".bin")
    payload = part.get_payload(decode=True)
    digest = sha256(payload if isinstance(payload, bytes) else b"")[:8]
    return f"unnamed-{digest}{extension}"


def _attach(parsed: ParsedMessage, part: Message, filename: str, content_type: str) -> None:
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner_message = inner[0] if isinstance(inner, list) and inner else None
        data = inner_message.as_bytes() if isinstance(inner_message, Message) else b""
    else:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    inline = part.get_content_disposition() == "inline"
    parsed.attachments.append(Attachment(filename, content_type, data, inline))


def _text(part: Message, parsed: ParsedMessage) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset)
    except (LookupError, UnicodeDecodeError) as exc:
        parsed.defects.append(f"charset {charset}: {type(exc).__name__}")
    for fallback in ("utf-8", "cp1252"):
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
