"""Reviewers' decisions on redactions: accept, reject, adjust, draw by hand; and the
accepted spans a production applies.

A redaction belongs to a text (`text_sha256`), not to one document: every duplicate of
that text, in any family, shows it, and a text released before is redacted the same way
again until a reviewer changes it. Such a change is audited with before and after and
names the productions that released the text. The audit trail is exported to auditors,
so its entries carry spans, lengths and the quote's shape, never the quote.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.auth.deps import Principal
from app.core import audit
from app.core.clock import clock_of
from app.core.errors import BadRequest, Conflict, NotFound
from app.core.hashing import sha256
from app.core.pagination import Page, PageParams, paginate
from app.core.settings import Settings
from app.models import (
    Citation,
    Document,
    DocumentText,
    Production,
    ProductionDocument,
    RecordsRequest,
    Redaction,
    RedactionStatus,
    ReviewSetItem,
    Role,
)
from app.review import citations
from app.review.service import chunks, require_in_set
from app.review.tags import CitationRequired

Status = RedactionStatus


class ReasonRequired(BadRequest):
    code = "reason_required"


class SpanOutsideText(BadRequest):
    code = "span_outside_text"


def text_key(text: str) -> str:
    """What a redaction is keyed by: the SHA-256 of the text (UTF-8), hex."""
    return sha256(text)


def masked(quote: str) -> str:
    """The quote's shape for logs: letters x or X, digits 9, the rest as they are."""
    return "".join("9" if c.isdigit() else ("X" if c.isupper() else "x") if c.isalpha() else c
                   for c in quote)


def snapshot(redaction: Redaction) -> dict[str, Any]:
    """A redaction as the audit trail shows it: no quote."""
    return {"status": redaction.status.value, "start": redaction.start, "end": redaction.end,
            "length": redaction.end - redaction.start, "masked": masked(redaction.quote),
            "detector": redaction.detector, "reason": redaction.reason,
            "citation": redaction.citation_code, "reviewer": redaction.reviewer}


def may_read_records(principal: Principal) -> bool:
    """Whether the quote may be shown: those who read the records, not auditors."""
    return bool(principal.roles & {Role.clerk, Role.attorney, Role.admin})


def get(session: Session, redaction_id: uuid.UUID) -> Redaction:
    found = session.get(Redaction, redaction_id)
    if found is None:
        raise NotFound("No redaction with that id.")
    return found


def document_text(session: Session, document_id: uuid.UUID) -> str:
    """The document's text; 404 for no document, 400 for one with no text to redact."""
    if session.get(Document, document_id) is None:
        raise NotFound("No document with that id.")
    found = session.get(DocumentText, document_id)
    if found is None or not found.text:
        raise BadRequest("This document has no text to redact (an image or audio, or its "
                         "extraction failed).", document_id=str(document_id))
    return found.text


def set_ids(session: Session, request: RecordsRequest) -> list[uuid.UUID]:
    """The review set's document ids, in a stable order."""
    return list(session.scalars(select(ReviewSetItem.document_id)
                                .where(ReviewSetItem.request_id == request.id)
                                .order_by(ReviewSetItem.document_id)))


def texts_of(session: Session, ids: Iterable[uuid.UUID]) -> Iterator[tuple[uuid.UUID, str]]:
    """(document id, text) of each of these documents that has a text."""
    for chunk in chunks(ids):
        yield from session.execute(select(DocumentText.document_id, DocumentText.text).where(
            DocumentText.document_id.in_(chunk), DocumentText.text != ""))


def set_texts(session: Session, request: RecordsRequest) -> Iterator[tuple[uuid.UUID, str]]:
    """(document id, text) of each document of the review set that has a text."""
    return texts_of(session, set_ids(session, request))


def check_span(text: str, start: int, end: int) -> str:
    """The quote between start and end, if it is a span of `text` worth redacting."""
    if not 0 <= start < end <= len(text):
        raise SpanOutsideText(f"The span {start}-{end} is not within the text (0-{len(text)}).",
                              start=start, end=end, text_length=len(text))
    quote = text[start:end]
    if not quote.strip():
        raise BadRequest("The span holds only spaces: nothing to redact.", start=start, end=end)
    return quote


def usable_citation(session: Session, settings: Settings, code: str) -> Citation:
    return citations.usable(session, code, citations.today(session, settings))


def _taken(session: Session, key: str, start: int, end: int,
           other_than: uuid.UUID | None = None) -> Redaction | None:
    query = select(Redaction).where(Redaction.text_sha256 == key, Redaction.start == start,
                                    Redaction.end == end)
    if other_than is not None:
        query = query.where(Redaction.id != other_than)
    return session.scalar(query)


def _refuse_taken(found: Redaction | None) -> None:
    if found is not None:
        raise Conflict(f"This text already has a redaction at {found.start}-{found.end} "
                       f"({found.status.value}): decide that one (PATCH "
                       f"/api/v1/redactions/{found.id}).", redaction_id=str(found.id))


def save(session: Session) -> None:
    """Flush, answering 409 when someone decided the same span meanwhile."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict("This redaction was changed by someone else meanwhile; reload it and "
                       "try again.") from exc
    except IntegrityError as exc:
        raise Conflict("Someone added a redaction at this span meanwhile; reload and try "
                       "again.") from exc


def releases(session: Session, text: str) -> list[dict[str, Any]]:
    """The productions holding a document with this text (any duplicate), oldest first."""
    rows = session.execute(
        select(Production.id, Production.name, Production.volume, Production.status,
               Production.released_at, ProductionDocument.disposition)
        .join(ProductionDocument, ProductionDocument.production_id == Production.id)
        .join(DocumentText, DocumentText.document_id == ProductionDocument.document_id)
        .where(DocumentText.text == text).order_by(Production.created_at, Production.id))
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for pid, name, volume, status, released_at, disposition in rows:
        found.setdefault(pid, {"production_id": str(pid), "name": name, "volume": volume,
                               "status": status.value, "released": released_at is not None,
                               "disposition": disposition.value})
    return list(found.values())


def _audit(session: Session, principal: Principal, action: str, redaction: Redaction,
           text: str, before: dict[str, Any] | None, **details: Any) -> None:
    produced = releases(session, text)
    released = any(p["released"] for p in produced)
    if produced:
        details["productions"] = produced
    if before is not None and before["status"] == Status.accepted.value and released:
        # The next release of this text will differ from what the requester already has.
        details["changes_released_redaction"] = True
    audit.record(session, principal.actor, action, "redaction", redaction.id, before=before,
                 after=snapshot(redaction), document_id=str(redaction.document_id),
                 text_sha256=redaction.text_sha256, **details)


def sign(session: Session, principal: Principal, redaction: Redaction) -> None:
    redaction.reviewer_id, redaction.reviewer = principal.user.id, principal.user.username
    redaction.reviewed_at = clock_of(session).now()


def _current_text(session: Session, redaction: Redaction) -> str:
    text = document_text(session, redaction.document_id)
    if text_key(text) != redaction.text_sha256:
        raise Conflict("The document's text changed since this redaction was made (it was "
                       "extracted again): its spans no longer apply.")
    return text


def decide(session: Session, settings: Settings, principal: Principal, redaction_id: uuid.UUID,
           *, status: RedactionStatus, version: int, reason: str | None = None,
           citation_code: str | None = None, start: int | None = None,
           end: int | None = None) -> Redaction:
    """Accept (adjusting the span if start and end are given) or reject a redaction.

    Accepting needs a reason and a citation usable today: given, or already on the row
    (a suggestion carries its detector's citation). `version` is the one the reviewer read.
    """
    redaction = get(session, redaction_id)
    if version != redaction.version:
        raise Conflict(f"This redaction has changed since you read it (you sent version "
                       f"{version}; it is at version {redaction.version}); reload it and try "
                       "again.", current_version=redaction.version)
    text = _current_text(session, redaction)
    before = snapshot(redaction)
    adjusted = start is not None and end is not None and (start, end) != (redaction.start,
                                                                          redaction.end)
    if status == Status.accepted:
        reason = (reason if reason is not None else redaction.reason).strip()
        code = citation_code or redaction.citation_code
        if not reason:
            raise ReasonRequired("An accepted redaction needs the reason it is redacted.")
        if not code:
            raise CitationRequired("An accepted redaction needs a citation (GET "
                                   "/api/v1/citations).")
        citation = usable_citation(session, settings, code)
        if adjusted:
            assert start is not None and end is not None
            quote = check_span(text, start, end)
            _refuse_taken(_taken(session, redaction.text_sha256, start, end, redaction.id))
            redaction.start, redaction.end, redaction.quote = start, end, quote
        redaction.reason, redaction.citation_id, redaction.citation_code = (
            reason, citation.id, citation.code)
    elif status == Status.rejected:
        if adjusted:
            raise BadRequest("A span is adjusted only when accepting it.")
        if reason is not None:
            redaction.reason = reason.strip()
    else:
        raise BadRequest("A decision accepts or rejects.")
    redaction.status = status
    if snapshot(redaction) == before:
        return redaction  # nothing changes: the first decider stays
    sign(session, principal, redaction)
    save(session)
    verb = "adjust" if adjusted else status.value.removesuffix("ed")  # accept, reject
    _audit(session, principal, f"redaction.{verb}", redaction, text, before)
    return redaction


def add(session: Session, settings: Settings, principal: Principal, document_id: uuid.UUID,
        start: int, end: int, reason: str, citation_code: str,
        request: RecordsRequest | None = None) -> Redaction:
    """A span drawn by hand: accepted at once, in the reviewer's name."""
    text = document_text(session, document_id)
    if request is not None:
        require_in_set(session, request, [document_id])
    quote = check_span(text, start, end)
    if not reason.strip():
        raise ReasonRequired("A redaction needs the reason it is redacted.")
    citation = usable_citation(session, settings, citation_code)
    key = text_key(text)
    _refuse_taken(_taken(session, key, start, end))
    redaction = Redaction(
        text_sha256=key, document_id=document_id, request_id=request.id if request else None,
        start=start, end=end, quote=quote, detector="manual", confidence=1.0,
        status=Status.accepted, reason=reason.strip(), citation_id=citation.id,
        citation_code=citation.code)
    sign(session, principal, redaction)
    session.add(redaction)
    save(session)
    _audit(session, principal, "redaction.add", redaction, text, None)
    return redaction


def accepted_for_text(session: Session, text_sha256: str) -> list[Redaction]:
    """The accepted redactions of a text, by start: what a production blacks out."""
    return list(session.scalars(select(Redaction).where(
        Redaction.text_sha256 == text_sha256, Redaction.status == Status.accepted)
        .order_by(Redaction.start, Redaction.end)))


def accepted_for_document(session: Session, document: Document) -> list[Redaction]:
    """The accepted redactions of the document's text (shared with its duplicates)."""
    found = session.get(DocumentText, document.id)
    if found is None or not found.text:
        return []
    return accepted_for_text(session, text_key(found.text))


def _filtered(query: Select[Redaction], status: RedactionStatus | None,
              detector: str | None) -> Select[Redaction]:
    if status is not None:
        query = query.where(Redaction.status == status)
    if detector is not None:
        query = query.where(Redaction.detector == detector)
    return query


def for_document(session: Session, document_id: uuid.UUID, page: PageParams,
                 status: RedactionStatus | None = None) -> Page[Redaction]:
    """Every redaction on the document's text (found on it or on a duplicate), by start."""
    key = text_key(document_text(session, document_id))
    query = _filtered(select(Redaction).where(Redaction.text_sha256 == key), status, None)
    return paginate(session, query.order_by(Redaction.start, Redaction.end), page,
                    lambda r: r)


def for_request(session: Session, request: RecordsRequest, page: PageParams,
                status: RedactionStatus | None = None,
                detector: str | None = None) -> Page[Redaction]:
    """The redactions on the texts of the request's review set, wherever they were found
    (a duplicate's span shows too), by document and start. Reads the set's texts."""
    keys = {text_key(text) for _, text in set_texts(session, request)}
    spanned: set[str] = set()
    for chunk in chunks(keys):
        spanned.update(session.scalars(select(Redaction.text_sha256).distinct()
                                       .where(Redaction.text_sha256.in_(chunk))))
    query = select(Redaction).where(Redaction.text_sha256.in_(sorted(spanned)) if spanned
                                    else false())
    return paginate(session, _filtered(query, status, detector).order_by(
        Redaction.document_id, Redaction.start, Redaction.end), page, lambda r: r)
