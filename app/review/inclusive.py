"""Reduce a review set to its inclusive e-mails (app.threads): the rest a reviewer skips.

A non-inclusive e-mail is taken out, with its family, only when every inclusive e-mail of
its thread sent after it is in the set too (what holds its text and attachments is then
there to read), and only if no one has tagged any of its family yet: a decision already
made is never dropped. The counts of what it saves are returned and audited.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from app.auth.deps import Principal
from app.core import audit
from app.models import Document, DocumentKind, RecordsRequest, ReviewSetItem, ReviewTag
from app.review.schemas import InclusiveOut
from app.review.service import chunks, deleted, families, in_set, set_size
from app.threads.threading import order_key

_TOP_EMAIL = (Document.kind == DocumentKind.email, Document.parent_id.is_(None))


@dataclass(frozen=True)
class _Email:
    id: uuid.UUID
    family_id: uuid.UUID
    thread_id: str
    inclusive: bool | None
    sent_at: datetime | None

    @property
    def order(self) -> tuple[float, str]:
        return order_key(self.sent_at, str(self.id))


def preview(session: Session, request: RecordsRequest) -> InclusiveOut:
    """What `reduce` would take out, changing nothing."""
    counts, _ = _plan(session, request)
    return counts


def reduce(session: Session, principal: Principal, request: RecordsRequest) -> InclusiveOut:
    counts, removable = _plan(session, request)
    for chunk in chunks(removable):
        deleted(session, delete(ReviewSetItem).where(
            ReviewSetItem.request_id == request.id, ReviewSetItem.document_id.in_(chunk)))
    session.flush()
    result = counts.model_copy(update={"removed": len(removable),
                                       "total": set_size(session, request)})
    audit.record(session, principal.actor, "review_set.reduce_to_inclusive", "records_request",
                 request.id, request_number=request.number, **result.model_dump(),
                 document_ids=sorted(str(d) for d in removable))
    return result


def _plan(session: Session, request: RecordsRequest) -> tuple[InclusiveOut, set[uuid.UUID]]:
    members = set(session.scalars(select(ReviewSetItem.document_id)
                                  .where(ReviewSetItem.request_id == request.id)))
    emails = _emails(session, [Document.id.in_(chunk) for chunk in chunks(members)])
    skippable = [e for e in emails if e.inclusive is False and e.thread_id]
    threads = {e.thread_id for e in skippable}
    later: dict[str, list[_Email]] = defaultdict(list)
    for email in _emails(session, [Document.thread_id.in_(c) for c in chunks(threads)]):
        if email.inclusive:
            later[email.thread_id].append(email)
    covered = [e for e in skippable if _covered(e, later[e.thread_id], members)]
    tagged = set(session.scalars(select(ReviewTag.document_id).where(
        ReviewTag.request_id == request.id)))
    removable: set[uuid.UUID] = set()
    kept_tagged = 0
    for email in covered:
        family = in_set(session, request, families(session, {email.family_id}))
        if family & tagged:
            kept_tagged += 1
        else:
            removable |= family
    counts = InclusiveOut(emails=len(emails), inclusive=sum(1 for e in emails if e.inclusive),
                          removable_emails=len(covered) - kept_tagged, kept_tagged=kept_tagged,
                          removed=0, total=len(members))
    return counts, removable


def _emails(session: Session, conditions: list[ColumnElement[bool]]) -> list[_Email]:
    return [_Email(*row) for condition in conditions for row in session.execute(select(
        Document.id, Document.family_id, Document.thread_id, Document.inclusive,
        Document.sent_at).where(*_TOP_EMAIL, condition))]


def _covered(email: _Email, inclusive: list[_Email], members: set[uuid.UUID]) -> bool:
    """Every inclusive e-mail of the thread sent after it is in the set (and there is one)."""
    after = [other.id for other in inclusive if other.order > email.order]
    return bool(after) and all(document_id in members for document_id in after)
