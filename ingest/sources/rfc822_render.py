"""Render a ParsedMessage as RFC 822 bytes.

Outlook stores have no standalone bytes per message (PST items) or nest messages as
MAPI storages (msg in msg); the pipeline keeps mail as RFC 822, so those are rendered
here from their parsed fields. The rendering is a faithful *re-encoding* of what was
parsed, not the original transport bytes.
"""

from __future__ import annotations

import re
from email import headerregistry, policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, parsedate_to_datetime

from ingest.message import Address, Attachment, ParsedMessage

# CRLF line ends: RFC 822 canonical form. Lines up to RFC 5322's hard limit: the
# stdlib folds some long unstructured headers by moving the whole value to a
# continuation line, which parsers (its own included) read back with a leading space.
_POLICY = policy.SMTP.clone(max_line_length=998)

# Headers we set from parsed fields, or that describe the original MIME structure,
# which the rendering rebuilds and so must not carry over.
_OWN_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references", "mime-version"}
)
_SMTP_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_FIELD_NAME = re.compile(r"^[!-9;-~]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+$")


def to_rfc822(msg: ParsedMessage) -> bytes:
    """The message as RFC 822 bytes that the stdlib parser reads back to the same fields."""
    out = EmailMessage(policy=_POLICY)
    _set_envelope(out, msg)
    _set_extra_headers(out, msg.headers)
    _set_body(out, msg)
    for attachment in msg.attachments:
        _attach(out, attachment)
    return out.as_bytes()


def _set_envelope(out: EmailMessage, msg: ParsedMessage) -> None:
    if msg.sender is not None:
        _set_addresses(out, "From", [msg.sender])
    for name, addresses in (("To", msg.to), ("Cc", msg.cc), ("Bcc", msg.bcc)):
        if addresses:
            _set_addresses(out, name, addresses)
    _set_header(out, "Subject", msg.subject)
    date = _date_value(msg)
    if date:
        _set_header(out, "Date", date)
    if msg.message_id:
        _set_header(out, "Message-ID", f"<{msg.message_id}>")
    if msg.in_reply_to:
        _set_header(out, "In-Reply-To", f"<{msg.in_reply_to}>")
    if msg.references:
        _set_header(out, "References", " ".join(f"<{ref}>" for ref in msg.references))


def _date_value(msg: ParsedMessage) -> str:
    """The original Date text when it is a valid RFC 5322 date (keeps its zone), else the UTC date."""
    if msg.date_header:
        try:
            parsedate_to_datetime(msg.date_header)
        except (TypeError, ValueError):
            pass
        else:
            return msg.date_header
    return format_datetime(msg.date) if msg.date is not None else ""


def _set_addresses(out: EmailMessage, name: str, addresses: list[Address]) -> None:
    try:
        out[name] = [_mailbox(address) for address in addresses]
    except (ValueError, TypeError, IndexError, HeaderParseError):
        _set_header(out, name, ", ".join(formataddr((a.name, a.email)) for a in addresses))


def _mailbox(address: Address) -> headerregistry.Address:
    if _SMTP_ADDRESS.match(address.email):
        try:
            return headerregistry.Address(display_name=address.name, addr_spec=address.email)
        except (ValueError, IndexError, HeaderParseError):
            local, _, domain = address.email.rpartition("@")
            return headerregistry.Address(display_name=address.name, username=local, domain=domain)
    # No SMTP address: an Exchange X500 DN, or nothing. It is written as a domain-less
    # local part, quoted when needed, so that a parser reads the DN back unchanged
    # (unquoted, "(FYDIBOHF23SPDLT)" in modern DNs would be dropped as a comment).
    # libpst writes such DNs the same way, unquoted when they need no quoting.
    return headerregistry.Address(display_name=address.name, username=address.email, domain="")


def _set_header(out: EmailMessage, name: str, value: str) -> None:
    # Headers come from damaged or foreign sources: a value the email package refuses
    # is retried as ASCII, then left out, rather than failing the whole rendering.
    clean = re.sub(r"[\r\n\x00]+", " ", value).strip()
    for candidate in (clean, clean.encode("ascii", "replace").decode("ascii")):
        try:
            out[name] = candidate
        except (ValueError, TypeError, IndexError):
            continue
        return


def _set_extra_headers(out: EmailMessage, headers: dict[str, str]) -> None:
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in _OWN_HEADERS or lowered.startswith("content-") or not _FIELD_NAME.match(name):
            continue
        _set_header(out, name, value)


def _set_body(out: EmailMessage, msg: ParsedMessage) -> None:
    if msg.body_html and msg.body_text:
        out.set_content(msg.body_text)
        out.add_alternative(msg.body_html, subtype="html")
    elif msg.body_html:
        out.set_content(msg.body_html, subtype="html")
    else:
        out.set_content(msg.body_text)


def _attach(out: EmailMessage, attachment: Attachment) -> None:
    disposition = "inline" if attachment.inline else "attachment"
    if attachment.content_type.lower() == "message/rfc822":
        # RFC 2046 forbids base64 for message/rfc822: attach the parsed message so the
        # generator writes it as a nested message that parsers recurse into.
        inner = BytesParser(policy=_POLICY).parsebytes(attachment.data)
        out.add_attachment(inner, disposition=disposition, filename=attachment.filename)
        return
    maintype, subtype = _split_type(attachment.content_type)
    out.add_attachment(
        attachment.data,
        maintype=maintype,
        subtype=subtype,
        disposition=disposition,
        filename=attachment.filename,
    )


def _split_type(content_type: str) -> tuple[str, str]:
    maintype, _, subtype = content_type.lower().partition("/")
    # A multipart/* or message/* type over opaque bytes would make readers look for
    # a structure that is not there; such data is carried as plain bytes.
    if not _TOKEN.match(maintype) or not _TOKEN.match(subtype) or maintype in {"multipart", "message"}:
        return "application", "octet-stream"
    return maintype, subtype
