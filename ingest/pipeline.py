"""One batch in: its rows, in the write transaction, from what ingest.prepare made ready.

The database is the record of truth; this module writes only to it (and to the
blob store). Indexing happens afterwards from the documents still unindexed.
"""

from __future__ import annotations

import enum
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.core.blobs import BlobStore
from app.core.hashing import sha256
from app.models import (
    Document,
    DocumentKind,
    DocumentText,
    IngestError,
    Location,
    PurgedDocument,
    TextStatus,
)
from app.models.document import default_record_class
from ingest import voicemail
from ingest.extract.base import Extracted, ExtractionError
from ingest.indexer import index_again
from ingest.items import SourceItem
from ingest.message import ParsedMessage
from ingest.prepare import MAX_DEPTH, Extract, Part, Read, prepare_message, read_item

RETRYABLE = "retryable: "  # marks an extract_error worth another try (see ingest.retry)
DEDUP_LOCK_SPACE = 0x0C05  # the first key of the two-key advisory locks over dedup keys


class Outcome(enum.StrEnum):
    new = "new"  # a new document family
    duplicate = "duplicate"  # the same content seen elsewhere: one more location
    known = "known"  # this very location was ingested before: nothing to do
    quarantined = "quarantined"
    purged = "purged"  # its content was purged under a retention schedule: not stored again


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
    # A hold covers this custodian's source: what a purge removed is stored again.
    keep_purged: bool = False
    new_documents: list[uuid.UUID] = field(default_factory=list)
    new_families: set[uuid.UUID] = field(default_factory=set)
    # Source ids of this batch already stored at this location, looked up in one query.
    known: set[str] = field(default_factory=set)
    # Families by dedup key: those this batch's keys found in the database, and those
    # the batch started (not yet flushed).
    families: dict[str, Family] = field(default_factory=dict)
    # Dedup keys of this batch that a retention purge removed (purged_documents).
    purged: set[str] = field(default_factory=set)
    # Families that gained a location: their index copies must show the new custodian.
    relocated: set[uuid.UUID] = field(default_factory=set)
    # The batch's ingest errors, in the order met: written after its documents, in finish()
    # (no relationship tells the flush the order; a flush per error costs a round trip).
    errors: list[IngestError] = field(default_factory=list)

    def finish(self) -> None:
        """End of a batch: its ingest errors, and the relocated families queued for indexing
        again."""
        if any(error.document_id for error in self.errors):
            self.session.flush()
        self.session.add_all(self.errors)
        if self.relocated:
            index_again(self.session, Document.family_id.in_(self.relocated))

    def claim_keys(self, keys: list[str]) -> None:
        """Make another worker storing one of these contents wait for this transaction's end,
        so that the families read next are the truth and each content is stored once.

        PostgreSQL only: SQLite's write lock already lets one writer in at a time. One
        transaction-scoped advisory lock per key, taken in sorted order (PostgreSQL
        evaluates a volatile function after ORDER BY), so two workers never deadlock.
        """
        if keys and self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text(
                "SELECT pg_advisory_xact_lock(:space, k) FROM unnest(CAST(:keys AS integer[])) "
                "AS k ORDER BY k"), {"space": DEDUP_LOCK_SPACE,
                                     "keys": sorted({_lock_key(k) for k in keys})})

    def prefetch_families(self, keys: list[str]) -> None:
        with self.session.no_autoflush:
            self.families.update(families_by_key(self.session, keys))

    def prefetch_purged(self, keys: list[str]) -> None:
        self.purged = set() if self.keep_purged else purged_keys(self.session, keys)

    def prefetch_known(self, source_ids: list[str]) -> None:
        self.known = known_locations(self.session, self.custodian, self.source, source_ids)


def _lock_key(dedup_key: str) -> int:
    """A signed 32-bit number for a dedup key (two keys may share one: they then wait)."""
    return int.from_bytes(hashlib.blake2b(dedup_key.encode(), digest_size=4).digest(),
                          "big", signed=True)


def known_locations(session: Session, custodian: str, source: str, source_ids: list[str]) -> set[str]:
    """Which of `source_ids` were stored at this custodian's source before."""
    return set(session.scalars(select(Location.source_id).where(
        Location.custodian == custodian, Location.source == source,
        Location.source_id.in_(source_ids))))


def purged_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of `keys` belong to documents a retention purge removed: read from the table
    itself (ingest imports no app domain), so a re-ingest never brings one back."""
    if not keys:
        return set()
    return set(session.scalars(select(PurgedDocument.dedup_key)
                               .where(PurgedDocument.dedup_key.in_(set(keys)))))


def families_by_key(session: Session, keys: list[str]) -> dict[str, Family]:
    """The families stored under these dedup keys (a batch's new ones need extraction)."""
    rows = session.execute(select(Document.dedup_key, Document.id, Document.family_id)
                           .where(Document.dedup_key.in_(keys)))
    return {key: Family(i, f) for key, i, f in rows if key}


def ingest_batch(ctx: Context, items: list[SourceItem],
                 reads: dict[str, Read] | None = None) -> list[Outcome]:
    """Store a batch (read and prepared beforehand, or read here): its locations and
    dedup keys are looked up in two queries."""
    ctx.prefetch_known([item.source_id for item in items])
    reads = reads or {}
    found = [None if item.source_id in ctx.known else reads.get(item.source_id) or read_item(item)
             for item in items]
    keys = [r.key for r in found if r is not None and r.key]
    ctx.claim_keys(keys)
    ctx.prefetch_families(keys)
    ctx.prefetch_purged(keys)
    return [Outcome.known if read is None else _store(ctx, read) for read in found]


def _store(ctx: Context, read: Read) -> Outcome:
    item = read.item
    if item.source_id in ctx.known:  # the same item twice in one batch
        return Outcome.known
    ctx.known.add(item.source_id)
    if read.problem is None and read.key in ctx.purged:
        return Outcome.purged  # neither its native nor a location is kept
    native = read.native = read.native or ctx.store.put(item.native)
    if read.problem is not None:
        return _quarantine(ctx, item, native, *read.problem)
    existing = ctx.families.get(read.key)
    if existing is not None:
        _add_location(ctx, existing.id, item, native)
        ctx.relocated.add(existing.family_id)
        return Outcome.duplicate
    document = _top_level(ctx, read)
    _add_location(ctx, document.id, item, native)
    return Outcome.new


def _add_location(ctx: Context, document_id: uuid.UUID, item: SourceItem, native: str) -> None:
    ctx.session.add(Location(
        document_id=document_id, custodian=ctx.custodian, source=ctx.source, folder=item.folder,
        source_id=item.source_id, native_sha256=native, job_id=ctx.job_id))


def _quarantine(ctx: Context, item: SourceItem, native: str | None, stage: str, reason: str,
                document_id: uuid.UUID | None = None) -> Outcome:
    error = IngestError(
        job_id=ctx.job_id, document_id=document_id, custodian=ctx.custodian, source=ctx.source,
        folder=item.folder, source_id=item.source_id, native_sha256=native, stage=stage,
        reason=reason[:2000])
    ctx.errors.append(error)
    return Outcome.quarantined


def _top_level(ctx: Context, read: Read) -> Document:
    """Add the family's head (its key is claimed: no other worker is storing it)."""
    item, message = read.item, read.message
    family_id = uuid.uuid4()
    if message is None:
        document = _voicemail_export(item, read.native, family_id)
    else:
        if read.parts is None:  # not prepared: the key was taken when the batch was read
            prepare_message(read, ctx.store, ctx.extract)
        document = _email(message, read.text, family_id, None, 0, read.native,
                          item.native_format, len(item.native))
    document.dedup_key = read.key
    document.record_class = default_record_class(document.kind)
    ctx.session.add(document)
    ctx.new_documents.append(document.id)
    ctx.new_families.add(document.family_id)
    ctx.families[read.key] = Family(document.id, document.family_id)
    if message is not None:
        if message.defects:
            # Kept, since a damaged record is still a record, and shown as an ingest error.
            _quarantine(ctx, item, read.native, "parse", "damaged message kept as read: "
                        + "; ".join(sorted(set(message.defects))), document.id)
        _attachments(ctx, item, document, read.parts or [])
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


def _email(message: ParsedMessage, text: str, family_id: uuid.UUID, parent: Document | None,
           position: int, native: str | None, native_format: str, size: int) -> Document:
    document_id = family_id if parent is None else uuid.uuid4()
    meta = voicemail.from_email(message)
    root = next(iter(message.references), "") or message.in_reply_to or message.message_id
    return Document(
        id=document_id, kind=DocumentKind.voicemail if meta else DocumentKind.email,
        record_class=parent.record_class if parent else "email",
        family_id=family_id, parent_id=parent.id if parent else None, position=position,
        blob_sha256=native, native_format=native_format, content_type="message/rfc822",
        size=size, subject=message.subject,
        sender=message.sender.as_dict() if message.sender else None,
        recipients={kind: [a.as_dict() for a in getattr(message, kind)]
                    for kind in ("to", "cc", "bcc")},
        sent_at=message.date, date_header=message.date_header[:200],
        message_id=message.message_id[:500], in_reply_to=message.in_reply_to[:500],
        references=message.references, thread_id=sha256(root or document_id.hex)[:32],
        thread_index=message.thread_index[:2000], thread_topic=message.thread_topic[:1000],
        voicemail=meta, text=DocumentText(text=text, extractor="rfc822"),
        text_status=TextStatus.ok if text.strip() else TextStatus.empty,
    )


def _attachments(ctx: Context, item: SourceItem, parent: Document, parts: list[Part]) -> None:
    for part in parts:
        _child(ctx, item, parent, part)
    if parent.voicemail is not None:
        audio = next((p for p in parts if p.content_type.startswith("audio/")), None)
        if audio is not None:
            parent.voicemail = dict(parent.voicemail, audio_sha256=audio.native)


def _child(ctx: Context, item: SourceItem, parent: Document, part: Part) -> None:
    if part.too_deep:
        _quarantine(ctx, item, part.native, "extract",
                    f"{part.name}: nested deeper than {MAX_DEPTH} levels")
        return
    if part.message is not None:
        document = _email(part.message, part.text, parent.family_id, parent, part.position,
                          part.native, "eml", part.size)
        document.filename = part.name
        ctx.session.add(document)
        _attachments(ctx, item, document, part.parts)
        return
    document = Document(
        id=uuid.uuid4(), kind=DocumentKind.attachment, family_id=parent.family_id,
        parent_id=parent.id, position=part.position, blob_sha256=part.native,
        record_class=parent.record_class, content_type=part.content_type, filename=part.name, size=part.size,
        text_status=TextStatus.empty)
    ctx.session.add(document)
    if part.failure is not None:
        mark_extract_failed(ctx, item, document, part.failure)
        return
    if part.extracted is not None:
        store_text(document, part.extracted)
    for child in part.parts:
        _child(ctx, item, document, child)


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
    document.extract_error = extracted.note  # e.g. "OCR unavailable: ...", else nothing
