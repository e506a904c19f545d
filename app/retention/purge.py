"""Purging whole families: the one way a record leaves Custodia.

Every path that removes records calls `purge` (a retention run, an administrator's
deletion of one document, and later re-ingest clean-up or off-boarding), so each
one checks the holds first, removes every row that names the documents, their
natives no one else uses and their search-index copies, audits each document with
its content hash, and remembers the dedup keys so that ingest never stores them
again. A held family is never purged: `purge` refuses it, and the database triggers
refuse the DELETE should anything get past that.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, event, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.clock import clock_of
from app.core.db import READ_ONLY, insert_or_ignore
from app.core.errors import ServiceUnavailable
from app.holds.guard import Held
from app.holds.membership import CHUNK
from app.models import (
    Blob,
    Document,
    DocumentText,
    IngestError,
    Letter,
    Location,
    PurgedDocument,
    ReviewSetItem,
    ReviewTag,
)
from app.near_duplicates import grouping
from app.retention.holds import HoldRef, holds_on
from search.documents import IndexUnavailable
from search.engines import SearchEngine

log = logging.getLogger("custodia.retention")
_AFTER_COMMIT = "custodia_retention_after_commit"


@dataclass(frozen=True)
class Member:
    id: uuid.UUID
    kind: str
    parent_id: uuid.UUID | None
    sha256: str | None  # the native's (blob) SHA-256; None when Tika gave text only
    dedup_key: str | None  # top-level documents only

    def as_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "kind": self.kind,
                "parent_id": str(self.parent_id) if self.parent_id else None,
                "sha256": self.sha256, "dedup_key": self.dedup_key}


@dataclass
class Family:
    """A top-level document and everything inside it: purged together or not at all."""

    id: uuid.UUID
    record_class: str
    dated: datetime  # the head's sent_at, else when it was stored
    members: list[Member] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"family_id": str(self.id), "record_class": self.record_class,
                "dated": self.dated.isoformat(), "documents": [m.as_dict() for m in self.members]}


@dataclass
class HeldFamily:
    family: Family
    holds: list[HoldRef]
    held_documents: list[uuid.UUID]

    def as_dict(self) -> dict[str, Any]:
        return {"family_id": str(self.family.id), "record_class": self.family.record_class,
                "documents": len(self.family.members),
                "held_documents": [str(d) for d in self.held_documents],
                "holds": [h.as_dict() for h in self.holds]}


class FamilyHeld(Held):
    """A purge or deletion refused: the same 409 as app.holds.guard's."""


def _chunks(values: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def families(session: Session, family_ids: Iterable[uuid.UUID]) -> list[Family]:
    """The families (head first, then members in order) under these ids."""
    wanted = sorted(set(family_ids))
    found: dict[uuid.UUID, Family] = {}
    for chunk in _chunks(wanted):
        heads = session.execute(
            select(Document.family_id, Document.record_class, Document.sent_at,
                   Document.created_at)
            .where(Document.family_id.in_(chunk), Document.parent_id.is_(None)))
        for family_id, record_class, sent_at, created_at in heads:
            found[family_id] = Family(family_id, record_class, sent_at or created_at)
        rows = session.execute(
            select(Document.family_id, Document.id, Document.kind, Document.parent_id,
                   Document.blob_sha256, Document.dedup_key)
            .where(Document.family_id.in_(chunk))
            .order_by(Document.family_id, Document.parent_id.asc().nulls_first(),
                      Document.position, Document.id))
        for family_id, document_id, kind, parent_id, sha256, dedup_key in rows:
            if family_id in found:
                found[family_id].members.append(
                    Member(document_id, kind.value, parent_id, sha256, dedup_key))
    return [found[f] for f in wanted if f in found]


def split_held(session: Session, found: list[Family]) -> tuple[list[Family], list[HeldFamily]]:
    """Families no hold touches, and those with a held member (with the holds)."""
    holds = holds_on(session, (m.id for f in found for m in f.members))
    free: list[Family] = []
    held: list[HeldFamily] = []
    for family in found:
        on = [m.id for m in family.members if m.id in holds]
        if not on:
            free.append(family)
            continue
        refs = sorted({ref for member in on for ref in holds[member]})
        held.append(HeldFamily(family, refs, on))
    return free, held


def refuse_held(held: list[HeldFamily]) -> None:
    if not held:
        return
    refs = sorted({ref for h in held for ref in h.holds})
    names = "; ".join(f"{ref.matter_name} ({ref.id})" for ref in refs)
    raise FamilyHeld(f"Held by a legal hold, so it cannot be deleted: {names}. "
                     "Nothing was changed.", holds=[ref.as_dict() for ref in refs])


def purge(session: Session, actor: Actor, store: BlobStore, engine: SearchEngine,
          found: list[Family], run_id: uuid.UUID, remember: bool = True) -> int:
    """Remove these families (none held); returns how many documents went.

    The rows go in the caller's transaction, the search-index copies just before it
    commits (an engine that fails stops the purge), the native files once it has.
    `remember` keeps their dedup keys so a re-ingest does not bring them back; a
    clean-up before re-ingesting a source does not remember them.
    """
    if not found:
        return 0
    free, held = split_held(session, found)
    refuse_held(held)  # the caller skips held families; this is the second look
    now = clock_of(session).now()
    ids = [m.id for f in free for m in f.members]
    for family in free:
        for member in family.members:
            audit.record(session, actor, "retention.purge", "document", member.id,
                         run_id=str(run_id), family_id=str(family.id),
                         record_class=family.record_class, kind=member.kind,
                         sha256=member.sha256, dedup_key=member.dedup_key)
    keys = [{"dedup_key": m.dedup_key, "document_id": m.id, "purged_at": now, "run_id": run_id}
            for f in free for m in f.members if m.dedup_key and remember]
    for chunk in _chunks(keys):
        insert_or_ignore(session, PurgedDocument, chunk)
    digests = {m.sha256 for f in free for m in f.members if m.sha256}
    for chunk in _chunks(ids):
        digests |= set(session.scalars(select(Location.native_sha256)
                                       .where(Location.document_id.in_(chunk))))
    _delete_rows(session, free)
    gone = _drop_unused_blobs(session, sorted(digests))
    text_ids = [str(i) for i in ids]
    try:
        engine.delete(text_ids)
    except IndexUnavailable as exc:
        raise ServiceUnavailable(f"{exc}: nothing was purged; try again when the search "
                                 "engine answers.") from exc
    _after_commit(session, lambda: _forget_files(session, store, engine, gone, text_ids))
    return len(ids)


def _delete_rows(session: Session, free: list[Family]) -> None:
    """Every row naming the documents, family by family (a family's members in one
    statement, so the parent_id references never dangle between statements)."""
    batch: list[uuid.UUID] = []
    for family in free:
        batch += [m.id for m in family.members]
        if len(batch) >= CHUNK:
            _delete_documents(session, batch)
            batch = []
    if batch:
        _delete_documents(session, batch)


def _delete_documents(session: Session, ids: list[uuid.UUID]) -> None:
    quiet = {"synchronize_session": False}
    try:
        grouping.forget(session, ids)  # a group whose pivot goes is formed again
        for model in (ReviewTag, ReviewSetItem):
            session.execute(delete(model).where(model.document_id.in_(ids)),
                            execution_options=quiet)
        # An ingest error about a purged document stays (the job's record) without it.
        session.execute(update(IngestError).where(IngestError.document_id.in_(ids))
                        .values(document_id=None, native_sha256=None), execution_options=quiet)
        session.execute(delete(DocumentText).where(DocumentText.document_id.in_(ids)),
                        execution_options=quiet)
        session.execute(delete(Location).where(Location.document_id.in_(ids)),
                        execution_options=quiet)
        session.execute(delete(Document).where(Document.id.in_(ids)), execution_options=quiet)
    except DBAPIError as exc:
        if "legal hold" in str(exc.orig):
            # Held since we looked (a hold issued meanwhile): the trigger said no.
            raise FamilyHeld("A legal hold now covers one of these documents, so it cannot "
                             "be deleted. Nothing was changed.") from exc
        raise


# What may still name a blob; one that nothing names is deleted with its file.
_BLOB_USERS: tuple[ColumnElement[Any] | Any, ...] = (
    Document.blob_sha256, Location.native_sha256, IngestError.native_sha256,
    Letter.html_sha256, Letter.pdf_sha256)


def _drop_unused_blobs(session: Session, digests: list[str]) -> list[str]:
    gone: list[str] = []
    for chunk in _chunks(digests):
        used: set[str] = set()
        for column in _BLOB_USERS:
            used |= set(session.scalars(select(column).where(column.in_(chunk)).distinct()))
        unused = [d for d in chunk if d not in used]
        if unused:
            session.execute(delete(Blob).where(Blob.sha256.in_(unused)),
                            execution_options={"synchronize_session": False})
            gone += unused
    return gone


def _forget_files(session: Session, store: BlobStore, engine: SearchEngine, digests: list[str],
                  ids: list[str]) -> None:
    """After commit: the native files whose rows went (unless stored again meanwhile), and
    the index copies again (an indexer pass that read them before may have re-sent them)."""
    bind = session.get_bind()
    with (bind if isinstance(bind, Engine) else bind.engine).connect() as connection:
        reading = connection.execution_options(**{READ_ONLY: True})
        back: set[str] = set()
        for chunk in _chunks(digests):
            back |= set(reading.scalars(select(Blob.sha256).where(Blob.sha256.in_(chunk))))
    for digest in digests:
        if digest not in back:
            store.path(digest).unlink(missing_ok=True)
    try:
        engine.delete(ids)
    except Exception:  # the copies went before commit; this second pass is best effort
        log.exception("second removal of %d purged documents from the index failed", len(ids))


def _after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the session's transaction commits; forget it on rollback."""
    pending: list[Callable[[], None]] = session.info.setdefault(_AFTER_COMMIT, [])
    pending.append(action)
    if not event.contains(session, "after_commit", _run_after_commit):
        event.listen(session, "after_commit", _run_after_commit)
        event.listen(session, "after_soft_rollback", _drop_after_commit)


def _run_after_commit(session: Session) -> None:
    for action in session.info.pop(_AFTER_COMMIT, []):
        try:
            action()
        except Exception:  # committed already: a leftover file is logged, not an error
            log.exception("clean-up after a purge failed")


def _drop_after_commit(session: Session, _previous: Any) -> None:
    session.info.pop(_AFTER_COMMIT, None)
