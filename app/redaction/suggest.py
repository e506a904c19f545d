"""Suggestions: the detectors run over documents' texts, each finding a `suggested` span.

A text is read once however many documents share it, and a span already there (in any
status: a reviewer may have rejected it) is never suggested again. A review set larger
than SYNC_DOCUMENTS is done in the background ("redaction.suggest", app.redaction.tasks),
SYNC_DOCUMENTS documents a transaction.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.deps import Principal
from app.core import audit
from app.core.audit import Actor
from app.core.jobs import enqueue
from app.core.settings import Settings
from app.models import Citation, RecordsRequest, Redaction, RedactionStatus
from app.redaction.detect import Options, detect
from app.redaction.schemas import SuggestOut
from app.redaction.service import save, set_ids, text_key, texts_of

SYNC_DOCUMENTS = 300  # a larger review set is suggested by a job
JOB_KIND = "redaction.suggest"


def options_from(settings: Settings) -> Options:
    """The detectors the city turned on (CUSTODIA_REDACT_*), and its own mail domains."""
    return Options(personal_email=settings.redact_personal_email,
                   home_address=settings.redact_home_address,
                   city_domains=settings.city_domains)


def suggest(session: Session, actor: Actor, document_ids: Iterable[uuid.UUID], options: Options,
            request: RecordsRequest | None = None) -> SuggestOut:
    """Suggest on these documents' texts; one audit entry with the counts (no quotes)."""
    known = {code: id_ for code, id_ in session.execute(select(Citation.code, Citation.id))}
    seen: set[str] = set()
    documents = 0
    detectors: Counter[str] = Counter()
    for document_id, text in texts_of(session, document_ids):
        documents += 1
        key = text_key(text)
        if key in seen:
            continue
        seen.add(key)
        there: set[tuple[int, int]] = {(start, end) for start, end in session.execute(
            select(Redaction.start, Redaction.end).where(Redaction.text_sha256 == key))}
        for finding in detect(text, options):
            span = (finding.start, finding.end)
            if span in there or not 0 <= finding.start < finding.end <= len(text):
                continue
            there.add(span)
            detectors[finding.detector] += 1
            session.add(Redaction(
                text_sha256=key, document_id=document_id,
                request_id=request.id if request else None, start=finding.start,
                end=finding.end, quote=text[finding.start:finding.end],
                detector=finding.detector[:40], confidence=finding.confidence,
                status=RedactionStatus.suggested, reason="",
                citation_id=known.get(finding.citation), citation_code=finding.citation[:60]))
    save(session)
    result = SuggestOut(documents=documents, texts=len(seen), suggested=sum(detectors.values()))
    audit.record(session, actor, "redaction.suggest",
                 "records_request" if request else "documents", request.id if request else "",
                 request_number=request.number if request else None, **result.model_dump(),
                 detectors=dict(sorted(detectors.items())),
                 options={"personal_email": options.personal_email,
                          "home_address": options.home_address})
    return result


def suggest_for_request(session: Session, principal: Principal, request: RecordsRequest,
                        settings: Settings) -> SuggestOut:
    """Suggest over the review set: now, or by a job when the set is large."""
    ids = set_ids(session, request)
    if len(ids) <= SYNC_DOCUMENTS:
        return suggest(session, principal.actor, ids, options_from(settings), request)
    job = enqueue(session, JOB_KIND, {"request_id": str(request.id),
                                      "user_id": str(principal.user.id),
                                      "username": principal.user.username})
    audit.record(session, principal.actor, "redaction.suggest", "records_request", request.id,
                 request_number=request.number, documents=len(ids), queued=True,
                 job_id=str(job.id))
    return SuggestOut(documents=len(ids), texts=0, suggested=0, job_id=job.id)
