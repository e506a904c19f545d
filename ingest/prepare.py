"""What a batch needs before any row is written: parsing, dedup keys, natives, extraction.

None of it needs the database, so a worker does it outside its write transaction,
which then only inserts rows: SQLite has one writer and a search waits for it, and
Tika may take seconds over one attachment. A native stored for a batch that then
fails is only a file no row names yet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.blobs import BlobStore
from app.core.hashing import sha256
from ingest import rfc822
from ingest.extract.base import Extracted, ExtractionError
from ingest.items import SourceItem
from ingest.message import Attachment, ParsedMessage

Extract = Callable[[bytes, str | None, str | None], Extracted]
MAIL_TYPES = {"message/rfc822"}
MSG_TYPES = {"application/vnd.ms-outlook"}
MAX_DEPTH = 6  # mail in mail in zip in ...: deeper than this is quarantined, not followed


@dataclass
class Part:
    """A file inside an item, ready to be stored: native on disk, text extracted.

    An attached e-mail has `message` (and its own parts); another file has `extracted`
    or `failure`. Tika reports some embedded files by their text alone: `native` is
    then None.
    """

    position: int
    name: str
    content_type: str
    native: str | None
    size: int = 0
    message: ParsedMessage | None = None
    text: str = ""  # an attached e-mail's text
    extracted: Extracted | None = None
    failure: ExtractionError | None = None
    too_deep: bool = False
    parts: list[Part] = field(default_factory=list)


@dataclass
class Read:
    """One source item, parsed: its key, or why it cannot be stored."""

    item: SourceItem
    message: ParsedMessage | None = None
    key: str = ""
    problem: tuple[str, str] | None = None  # (stage, reason)
    native: str = ""  # the stored native's digest, once stored
    text: str = ""  # an e-mail's text: its plain body, or its HTML body as text
    parts: list[Part] | None = None  # None until prepared (duplicates never are)


def read_batch(items: list[SourceItem], known: set[str]) -> dict[str, Read]:
    """Parse the items whose source ids are not in `known` (stored before)."""
    return {item.source_id: read_item(item) for item in items if item.source_id not in known}


def read_item(item: SourceItem) -> Read:
    if item.error:
        return Read(item, problem=("read", item.error))
    if item.voicemail is not None:
        return Read(item, key=dedup_key(None, item))
    try:
        message = item.message or rfc822.parse(item.native)
    except ValueError as exc:
        return Read(item, problem=("parse", str(exc)))
    return Read(item, message, dedup_key(message, item))


def prepare(reads: dict[str, Read], existing: set[str], store: BlobStore,
            extract: Extract, purged: set[str] | None = None) -> None:
    """Store every native durably; extract the families that are new (key not `existing`).

    An item whose key was purged (`purged`) is left alone: it will not be stored again.
    """
    keys = set(existing)
    for read in reads.values():
        if purged and read.key in purged:
            continue
        read.native = store.put(read.item.native)
        if read.message is not None and read.key not in keys:
            keys.add(read.key)  # the same content twice in a batch is prepared once
            prepare_message(read, store, extract)
    store.sync()


def prepare_message(read: Read, store: BlobStore, extract: Extract) -> None:
    assert read.message is not None
    read.text = message_text(read.message)
    read.parts = parts(read.message.attachments, store, extract, depth=1)


def parts(attachments: list[Attachment], store: BlobStore, extract: Extract,
          depth: int) -> list[Part]:
    return [_part(position, a, store, extract, depth) for position, a in enumerate(attachments)]


def _part(position: int, attachment: Attachment, store: BlobStore, extract: Extract,
          depth: int) -> Part:
    part = Part(position, attachment.filename, attachment.content_type,
                store.put(attachment.data), len(attachment.data))
    if depth > MAX_DEPTH:
        part.too_deep = True
        return part
    inner = _as_message(attachment)
    if inner is not None:
        part.message, part.text = inner, message_text(inner)
        part.parts = parts(inner.attachments, store, extract, depth + 1)
        return part
    try:
        part.extracted = extract(attachment.data, attachment.filename or None,
                                 attachment.content_type or None)
    except ExtractionError as exc:
        part.failure = exc
        return part
    part.parts = _embedded(part.extracted, store, extract, depth + 1)
    return part


def _embedded(extracted: Extracted, store: BlobStore, extract: Extract, depth: int) -> list[Part]:
    found = []
    for position, embedded in enumerate(extracted.children):
        if embedded.data is not None:
            attachment = Attachment(embedded.name, embedded.content_type, embedded.data)
            found.append(_part(position, attachment, store, extract, depth))
        elif embedded.extracted is not None:  # Tika gave its text, not its bytes
            found.append(Part(position, embedded.name, embedded.content_type, None,
                              extracted=embedded.extracted,
                              parts=_embedded(embedded.extracted, store, extract, depth + 1)))
    return found


def _as_message(attachment: Attachment) -> ParsedMessage | None:
    name = attachment.filename.lower()
    try:
        if attachment.content_type in MAIL_TYPES or name.endswith(".eml"):
            return rfc822.parse(attachment.data)
        if attachment.content_type in MSG_TYPES or name.endswith(".msg"):
            from ingest.sources.msg import read_msg

            return read_msg(attachment.data)
    except ValueError:
        return None  # not really a message: treat it as a file
    return None


def message_text(message: ParsedMessage) -> str:
    return message.body_text or _html_text(message.body_html)


def _html_text(html: str) -> str:
    if not html:
        return ""
    from ingest.extract import builtin

    try:
        return builtin.extract(html.encode(), "body.html", "text/html").text
    except ExtractionError:
        return ""


def dedup_key(message: ParsedMessage | None, item: SourceItem) -> str:
    """Equal for copies of one message in any mailbox or folder, whatever headers they gained.

    Bcc is left out: the sender's copy has it and the recipients' copies do not. So is
    Message-ID: some exports (the CMU Enron set among them) give every copy its own.
    """
    if message is None:
        fields: dict[str, Any] = {"voicemail": item.voicemail, "audio": sha256(item.native)}
    else:
        fields = {
            "from": message.sender.email if message.sender else "",
            "to": sorted(a.email for a in message.to),
            "cc": sorted(a.email for a in message.cc),
            "date": message.date.isoformat() if message.date else message.date_header,
            "subject": message.subject,
            "body": sha256(" ".join(message.body_text.split()).encode()),
            "attachments": sorted(sha256(a.data) for a in message.attachments),
        }
    return sha256(json.dumps(fields, sort_keys=True, default=str).encode())
