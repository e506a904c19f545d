"""One item in: store its native, parse it, deduplicate it, extract its family's text.

The database is the record of truth; this module writes only to it (and to the
blob store). Indexing happens afterwards from the documents still unindexed.
"""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Document, DocumentKind, DocumentText, IngestError, Location, TextStatus
from ingest import rfc822, voicemail
from ingest.blobs import BlobStore
from ingest.extract.base import Embedded, Extracted, ExtractionError
from ingest.items import SourceItem
from ingest.message import Attachment, ParsedMessage

Extract = Callable[[bytes, str | None, str | None], Extracted]
MAIL_TYPES = {"message/rfc822"}
MSG_TYPES = {"application/vnd.ms-outlook"}
MAX_DEPTH = 6  # mail in mail in zip in ...: deeper than this is quarantined, not followed
RETRYABLE = "retryable: "  # marks an extract_error worth another try (see ingest.retry)


class Outcome(enum.StrEnum):
    new = "new"  # a new document family
    duplicate = "duplicate"  # the same content seen elsewhere: one more location
    known = "known"  # this very location was ingested before: nothing to do
    quarantined = "quarantined"


@dataclass(frozen=True)
class Family:
    """A family's head as dedup needs it: where to add a location."""

    id: uuid.UUID
    family_id: uuid.UUID


@dataclass
class Context:
    session: Session
    store: BlobStore
    extract: Extract
    custodian: str
    source: str
    job_id: uuid.UUID | None = None
    new_documents: list[uuid.UUID] = field(default_factory=list)
    # Source ids of this batch already stored at this location, looked up in one query.
    known: set[str] = field(default_factory=set)
    # Families by dedup key: those this batch's keys found in the database, and those
    # the batch started (not yet flushed).
    families: dict[str, Family] = field(default_factory=dict)
    # Families that gained a location: their index copies must show the new custodian.
    relocated: set[uuid.UUID] = field(default_factory=set)

    def finish(self) -> None:
        """End of a batch: queue the relocated families for indexing again."""
        if self.relocated:
            self.session.execute(update(Document).where(Document.family_id.in_(self.relocated))
                                 .values(indexed_at=None), execution_options={
                                     "synchronize_session": False})

    def prefetch_families(self, keys: list[str]) -> None:
        with self.session.no_autoflush:
            rows = self.session.execute(select(Document.dedup_key, Document.id, Document.family_id)
                                        .where(Document.dedup_key.in_(keys)))
            self.families.update({key: Family(i, f) for key, i, f in rows if key})

    def prefetch_known(self, source_ids: list[str]) -> None:
        self.known = known_locations(self.session, self.custodian, self.source, source_ids)


def known_locations(session: Session, custodian: str, source: str, source_ids: list[str]) -> set[str]:
    """Which of `source_ids` were stored at this custodian's source before."""
    return set(session.scalars(select(Location.source_id).where(
        Location.custodian == custodian, Location.source == source,
        Location.source_id.in_(source_ids))))


@dataclass
class _Read:
    item: SourceItem
    message: ParsedMessage | None = None
    key: str = ""
    problem: tuple[str, str] | None = None  # (stage, reason) when it cannot be stored
    native: str = ""  # the stored native's digest, once prepare_batch stored it


def prepare_batch(items: list[SourceItem], known: set[str], store: BlobStore) -> dict[str, _Read]:
    """Parse the items not in `known` (by source id) and store their natives durably.

    Neither needs the database, so a worker does both before its write transaction,
    which then stays short: SQLite has one writer, and a search waits for it. A
    native stored for a batch that then fails is only a file no row names yet.
    """
    parsed = {item.source_id: _read(item) for item in items if item.source_id not in known}
    for read in parsed.values():
        read.native = store.put(read.item.native)
    store.sync()
    return parsed


def ingest_batch(ctx: Context, items: list[SourceItem],
                 parsed: dict[str, _Read] | None = None) -> list[Outcome]:
    """Store a batch (parsed beforehand by prepare_batch, or here): its locations and
    dedup keys are looked up in two queries."""
    ctx.prefetch_known([item.source_id for item in items])
    parsed = parsed or {}
    reads = [None if item.source_id in ctx.known else parsed.get(item.source_id) or _read(item)
             for item in items]
    ctx.prefetch_families([r.key for r in reads if r is not None and r.key])
    return [Outcome.known if read is None else _store(ctx, read) for read in reads]


def _read(item: SourceItem) -> _Read:
    if item.error:
        return _Read(item, problem=("read", item.error))
    if item.voicemail is not None:
        return _Read(item, key=dedup_key(None, item))
    try:
        message = item.message or rfc822.parse(item.native)
    except ValueError as exc:
        return _Read(item, problem=("parse", str(exc)))
    return _Read(item, message, dedup_key(message, item))


def _store(ctx: Context, read: _Read) -> Outcome:
    item = read.item
    if item.source_id in ctx.known:  # the same item twice in one batch
        return Outcome.known
    ctx.known.add(item.source_id)
    native = read.native or ctx.store.put(item.native)
    if read.problem is not None:
        return _quarantine(ctx, item, native, *read.problem)
    existing = ctx.families.get(read.key)
    if existing is None:
        document = _top_level(ctx, item, read.message, native, read.key)
        if document is None:  # another worker stored the same content a moment ago
            existing = _by_key(ctx, read.key)
    if existing is not None:
        _add_location(ctx, existing.id, item, native)
        ctx.relocated.add(existing.family_id)
        return Outcome.duplicate
    assert document is not None
    _add_location(ctx, document.id, item, native)
    return Outcome.new


def dedup_key(message: ParsedMessage | None, item: SourceItem) -> str:
    """Equal for copies of one message in any mailbox or folder, whatever headers they gained.

    Bcc is left out: the sender's copy has it and the recipients' copies do not. So is
    Message-ID: some exports (the CMU Enron set among them) give every copy its own.
    """
    if message is None:
        fields: dict[str, Any] = {"voicemail": item.voicemail, "audio": _sha(item.native)}
    else:
        fields = {
            "from": message.sender.email if message.sender else "",
            "to": sorted(a.email for a in message.to),
            "cc": sorted(a.email for a in message.cc),
            "date": message.date.isoformat() if message.date else message.date_header,
            "subject": message.subject,
            "body": _sha(" ".join(message.body_text.split()).encode()),
            "attachments": sorted(_sha(a.data) for a in message.attachments),
        }
    return _sha(json.dumps(fields, sort_keys=True, default=str).encode())


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _by_key(ctx: Context, key: str) -> Family | None:
    with ctx.session.no_autoflush:
        row = ctx.session.execute(select(Document.id, Document.family_id)
                                  .where(Document.dedup_key == key)).first()
    return Family(row.id, row.family_id) if row else None


def _add_location(ctx: Context, document_id: uuid.UUID, item: SourceItem, native: str) -> None:
    ctx.session.add(Location(
        document_id=document_id, custodian=ctx.custodian, source=ctx.source, folder=item.folder,
        source_id=item.source_id, native_sha256=native, job_id=ctx.job_id))


def _quarantine(ctx: Context, item: SourceItem, native: str | None, stage: str, reason: str,
                document_id: uuid.UUID | None = None) -> Outcome:
    ctx.session.add(IngestError(
        job_id=ctx.job_id, document_id=document_id, custodian=ctx.custodian, source=ctx.source,
        folder=item.folder, source_id=item.source_id, native_sha256=native, stage=stage,
        reason=reason[:2000]))
    if document_id is not None:
        ctx.session.flush()  # the document first: no relationship tells the flush the order
    return Outcome.quarantined


def _top_level(ctx: Context, item: SourceItem, message: ParsedMessage | None, native: str,
               key: str) -> Document | None:
    """Insert the family's head, or None when the same key won a race with another worker."""
    family_id = uuid.uuid4()
    if message is None:
        document = _voicemail_export(item, native, family_id)
    else:
        document = _email(message, family_id, None, 0, native, item.native_format, len(item.native))
    document.dedup_key = key
    if ctx.session.get_bind().dialect.name == "sqlite":
        ctx.session.add(document)  # SQLite's write lock already excludes a racing worker
    else:
        try:
            with ctx.session.begin_nested():
                ctx.session.add(document)
                ctx.session.flush()
        except IntegrityError:
            return None
    ctx.new_documents.append(document.id)
    ctx.families[key] = Family(document.id, document.family_id)
    if message is not None:
        if message.defects:
            # Kept, since a damaged record is still a record, and shown as an ingest error.
            _quarantine(ctx, item, native, "parse", "damaged message kept as read: "
                        + "; ".join(sorted(set(message.defects))), document.id)
        _attachments(ctx, item, document, message, depth=1)
    return document


def _voicemail_export(item: SourceItem, native: str, family_id: uuid.UUID) -> Document:
    meta = dict(item.voicemail or {}, audio_sha256=native)
    received = _parse_time(meta.get("received", ""))
    transcript = str(meta.get("transcript", ""))
    subject = f"Voicemail from {meta.get('caller_name') or meta.get('caller_number') or 'unknown'}"
    return Document(
        id=family_id, kind=DocumentKind.voicemail, family_id=family_id, blob_sha256=native,
        native_format="voicemail", content_type="audio/wav", filename=item.filename,
        size=len(item.native), subject=subject, sent_at=received,
        date_header=str(meta.get("received", "")), voicemail=meta, thread_id=family_id.hex,
        text=DocumentText(text=transcript, extractor="voicemail-transcript"),
        text_status=TextStatus.ok if transcript else TextStatus.empty,
    )


def _parse_time(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _email(message: ParsedMessage, family_id: uuid.UUID, parent: Document | None, position: int,
           native: str, native_format: str, size: int) -> Document:
    document_id = family_id if parent is None else uuid.uuid4()
    meta = voicemail.from_email(message)
    text = message.body_text or _html_text(message.body_html)
    root = next(iter(message.references), "") or message.in_reply_to or message.message_id
    return Document(
        id=document_id, kind=DocumentKind.voicemail if meta else DocumentKind.email,
        family_id=family_id, parent_id=parent.id if parent else None, position=position,
        blob_sha256=native, native_format=native_format, content_type="message/rfc822",
        size=size, subject=message.subject,
        sender=message.sender.as_dict() if message.sender else None,
        recipients={kind: [a.as_dict() for a in getattr(message, kind)]
                    for kind in ("to", "cc", "bcc")},
        sent_at=message.date, date_header=message.date_header[:200],
        message_id=message.message_id[:500], in_reply_to=message.in_reply_to[:500],
        references=message.references, thread_id=_sha((root or document_id.hex).encode())[:32],
        voicemail=meta, text=DocumentText(text=text, extractor="rfc822"),
        text_status=TextStatus.ok if text.strip() else TextStatus.empty,
    )


def _html_text(html: str) -> str:
    if not html:
        return ""
    from ingest.extract import builtin

    try:
        return builtin.extract(html.encode(), "body.html", "text/html").text
    except ExtractionError:
        return ""


def _attachments(ctx: Context, item: SourceItem, parent: Document, message: ParsedMessage,
                 depth: int) -> None:
    for position, attachment in enumerate(message.attachments):
        _child(ctx, item, parent, position, attachment, depth)
    if parent.voicemail is not None:
        audio = next((a for a in message.attachments if a.content_type.startswith("audio/")), None)
        if audio is not None:
            parent.voicemail = dict(parent.voicemail, audio_sha256=_sha(audio.data))


def _child(ctx: Context, item: SourceItem, parent: Document, position: int,
           attachment: Attachment, depth: int) -> None:
    native = ctx.store.put(attachment.data)
    if depth > MAX_DEPTH:
        _quarantine(ctx, item, native, "extract",
                    f"{attachment.filename}: nested deeper than {MAX_DEPTH} levels")
        return
    inner = _as_message(attachment)
    if inner is not None:
        document = _email(inner, parent.family_id, parent, position, native, "eml",
                          len(attachment.data))
        document.filename = attachment.filename
        ctx.session.add(document)
        _attachments(ctx, item, document, inner, depth + 1)
        return
    document = Document(
        id=uuid.uuid4(), kind=DocumentKind.attachment, family_id=parent.family_id,
        parent_id=parent.id, position=position, blob_sha256=native,
        content_type=attachment.content_type, filename=attachment.filename,
        size=len(attachment.data), text_status=TextStatus.empty)
    ctx.session.add(document)
    _extract_into(ctx, item, document, attachment.data, depth)


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


def _extract_into(ctx: Context, item: SourceItem, document: Document, data: bytes,
                  depth: int) -> None:
    try:
        extracted = ctx.extract(data, document.filename or None, document.content_type or None)
    except ExtractionError as exc:
        mark_extract_failed(ctx, item, document, exc)
        return
    store_text(document, extracted)
    for position, embedded in enumerate(extracted.children):
        _embedded(ctx, item, document, position, embedded, depth + 1)


def mark_extract_failed(ctx: Context, item: SourceItem, document: Document,
                        exc: ExtractionError) -> None:
    document.text_status = TextStatus.failed
    document.extract_error = (RETRYABLE if exc.retryable else "") + exc.reason
    document.extract_attempts = (document.extract_attempts or 0) + 1
    _quarantine(ctx, item, document.blob_sha256, "extract",
                f"{document.filename or 'attachment'}: {exc.reason}", document.id)


def store_text(document: Document, extracted: Extracted) -> None:
    document.content_type = extracted.content_type or document.content_type
    document.text = DocumentText(text=extracted.text, extractor=extracted.extractor)
    document.text_status = TextStatus.ok if extracted.text.strip() else TextStatus.empty
    document.extract_error = ""


def _embedded(ctx: Context, item: SourceItem, parent: Document, position: int,
              embedded: Embedded, depth: int) -> None:
    if embedded.data is not None:
        attachment = Attachment(embedded.name, embedded.content_type, embedded.data)
        _child(ctx, item, parent, position, attachment, depth)
        return
    if embedded.extracted is None:
        return
    # Tika reports embedded files with their text but without their bytes.
    document = Document(
        id=uuid.uuid4(), kind=DocumentKind.attachment, family_id=parent.family_id,
        parent_id=parent.id, position=position, filename=embedded.name,
        content_type=embedded.content_type, text_status=TextStatus.empty)
    ctx.session.add(document)
    store_text(document, embedded.extracted)
    for child_position, child in enumerate(embedded.extracted.children):
        _embedded(ctx, item, document, child_position, child, depth + 1)
