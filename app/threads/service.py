"""Threads in the catalog: each e-mail's thread and inclusive flag, recomputed for what a
batch stored (ingest's hook, in its transaction) or for the whole catalog (`rebuild`).

A change to either bumps the document's generation, so the search index copy follows.
Only top-level e-mails are threaded; an attached message belongs to its family.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.db import take_catalog_turn
from app.models import Document, DocumentKind, DocumentText
from app.threads import outlook, subjects
from app.threads.inclusive import inclusive
from app.threads.threading import Mail, thread
from ingest.hooks import Stored
from ingest.indexer import index_again

CHUNK = 500  # ids an IN list carries
MAX_KIN = 20_000  # documents one batch's threading reads at most (then `rebuild` mends)
_T = TypeVar("_T")
# A top-level e-mail heads its family. Said as `family_id = id`, not `parent_id IS NULL`:
# SQLite, with no statistics, would read every top-level document through the parent_id
# index instead of looking the few kin up by the column asked about.
_TOP = (Document.kind == DocumentKind.email, Document.family_id == Document.id)


@dataclass(frozen=True)
class Counts:
    emails: int
    threads: int
    inclusive: int
    changed: int  # documents whose thread or inclusive flag changed (queued for the index)

    def as_dict(self) -> dict[str, int]:
        return {"emails": self.emails, "threads": self.threads, "inclusive": self.inclusive,
                "changed": self.changed}


def thread_what_landed(session: Session, stored: Stored) -> None:
    """Ingest's hook: thread the batch's e-mails with the threads they touch."""
    update(session, set(stored.families), timedelta(days=stored.thread_window_days))


def update(session: Session, families: set[uuid.UUID], window: timedelta) -> Counts:
    """Place the families' e-mails, and re-place every thread they may join.

    Kin are found by message id, In-Reply-To, conversation, thread, and the same normalized
    subject sent within the window (the only messages the subject rule compares), again
    from what that found, until nothing new turns up (or MAX_KIN documents): then each
    thread comes out as `rebuild` would make it, and the work follows the batch, not the
    catalog.
    """
    found = {d.id: d for d in _documents(session, Document.family_id, families)}
    frontier = list(found.values())
    while frontier and len(found) < MAX_KIN:
        _fill_keys(frontier)
        ids = {i for d in frontier for i in (d.message_id, d.in_reply_to, *d.references) if i}
        kin: set[uuid.UUID] = _nearby_same_subject(session, frontier, window)
        for column, values in ((Document.message_id, ids), (Document.in_reply_to, ids),
                               (Document.conversation_id, {d.conversation_id for d in frontier}),
                               (Document.thread_id, {d.thread_id for d in frontier})):
            kin |= _ids(session, column, values - {""})
        frontier = _documents(session, Document.id, kin - found.keys())
        found.update((d.id, d) for d in frontier)
    _fill_keys(found.values())
    return _place(session, list(found.values()), window)


def rebuild(session: Session, actor: Actor, window: timedelta) -> Counts:
    """Thread the whole catalog again (after an upgrade, or a new window). Audited."""
    take_catalog_turn(session)  # no batch threads mail meanwhile
    documents = list(session.scalars(select(Document).where(*_TOP)))
    _fill_keys(documents)
    counts = _place(session, documents, window)
    audit.record(session, actor, "threads.rebuild", "catalog", "",
                 window_days=window.days, **counts.as_dict())
    return counts


def _documents(session: Session, column: Any, values: Iterable[Any]) -> list[Document]:
    found: list[Document] = []
    for chunk in _chunks(sorted(values, key=str)):
        found.extend(session.scalars(select(Document).where(*_TOP, column.in_(chunk))))
    return found


def _ids(session: Session, column: Any, values: Iterable[Any]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for chunk in _chunks(sorted(values, key=str)):
        found.update(session.scalars(select(Document.id).where(*_TOP, column.in_(chunk))))
    return found


def _nearby_same_subject(session: Session, documents: list[Document],
                         window: timedelta) -> set[uuid.UUID]:
    """E-mails with a subject of these documents, sent within the window of one of them."""
    found: set[uuid.UUID] = set()
    for chunk in _chunks(_spans(documents, window)):
        found.update(session.scalars(select(Document.id).where(*_TOP, or_(*(
            and_(Document.thread_subject == subject, Document.sent_at.between(start, end))
            for subject, start, end in chunk)))))
    return found


def _spans(documents: list[Document], window: timedelta) -> list[tuple[str, datetime, datetime]]:
    """Each subject's stretches of time within the window of one of its documents: the
    windows around its dates, those that overlap merged, so a subject as common as an
    automatic notice asks for the days around the batch's own, not for all its years."""
    sent: dict[str, list[datetime]] = defaultdict(list)
    for document in documents:
        if document.thread_subject and document.sent_at is not None:
            sent[document.thread_subject].append(document.sent_at)
    spans: list[tuple[str, datetime, datetime]] = []
    for subject, dates in sorted(sent.items()):
        dates.sort()
        start, end = dates[0] - window, dates[0] + window
        for date in dates[1:]:
            if date - window > end:
                spans.append((subject, start, end))
                start = date - window
            end = date + window
        spans.append((subject, start, end))
    return spans


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _fill_keys(documents: Iterable[Document]) -> None:
    """The columns that find a message's kin: its conversation and normalized subject."""
    for document in documents:
        index = outlook.parse(document.thread_index)
        conversation = index.conversation if index else ""
        subject = subjects.normalize(document.thread_topic or document.subject)[:200]
        if document.conversation_id != conversation:
            document.conversation_id = conversation
        if document.thread_subject != subject:
            document.thread_subject = subject


def _mail(document: Document, text: str = "", attachments: frozenset[str] = frozenset()) -> Mail:
    people = [document.sender or {}, *(a for kind in ("to", "cc", "bcc")
                                       for a in document.recipients.get(kind, []))]
    return Mail(
        key=str(document.id), sent_at=document.sent_at, subject=document.subject,
        message_id=document.message_id, in_reply_to=document.in_reply_to,
        references=tuple(document.references or ()), thread_index=document.thread_index,
        thread_topic=document.thread_topic,
        participants=frozenset(p["email"].lower() for p in people if p.get("email")),
        text=text, attachments=attachments)


def _place(session: Session, documents: list[Document], window: timedelta) -> Counts:
    by_id = {str(d.id): d for d in documents}
    placed = thread([_mail(d) for d in documents], window)
    threads: dict[str, list[Document]] = defaultdict(list)
    for key, placement in placed.items():
        threads[placement.thread_id].append(by_id[key])
    changed: list[uuid.UUID] = []
    kept = 0
    batch: list[tuple[str, list[Document]]] = []
    for item in sorted(threads.items()):
        batch.append(item)
        if sum(len(members) for _, members in batch) >= CHUNK:
            kept += _mark(session, batch, changed)
            batch = []
    kept += _mark(session, batch, changed)
    session.flush()
    for chunk in _chunks(sorted(changed)):  # one order: two batches never deadlock here
        index_again(session, Document.id.in_(chunk))
    return Counts(len(documents), len(threads), kept, len(changed))


def _mark(session: Session, batch: list[tuple[str, list[Document]]],
          changed: list[uuid.UUID]) -> int:
    """Set the batch's threads and inclusive flags; returns how many are inclusive."""
    ids = [d.id for _, members in batch for d in members]
    if not ids:
        return 0
    texts = dict(session.execute(select(DocumentText.document_id, DocumentText.text)
                                 .where(DocumentText.document_id.in_(ids))).all())
    carried: dict[uuid.UUID, set[str]] = defaultdict(set)
    for parent, blob in session.execute(select(Document.parent_id, Document.blob_sha256).where(
            Document.parent_id.in_(ids), Document.blob_sha256.is_not(None))):
        if parent is not None and blob is not None:
            carried[parent].add(blob)
    kept = 0
    for thread_id, members in batch:
        keep = inclusive([_mail(d, texts.get(d.id, ""), frozenset(carried[d.id]))
                          for d in members])
        for document in members:
            flag = str(document.id) in keep
            kept += flag
            if document.thread_id != thread_id or document.inclusive is not flag:
                document.thread_id, document.inclusive = thread_id, flag
                changed.append(document.id)
    return kept

