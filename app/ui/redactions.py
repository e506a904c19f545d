"""Redaction review of a request's review set: the documents with their counts, a
document's text with each span marked, and the reviewer's decisions (buttons and the
a/x/j/k keys), spans drawn by hand, and "apply to all". The same services as the API's
/api/v1/.../redactions routes, so a page refuses what the API refuses; auditors read the
decisions (quotes masked, no text) and see no buttons."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from app.auth.deps import Principal
from app.core.db import Database
from app.core.deps import DatabaseDep, SettingsDep
from app.core.errors import BadRequest, CustodiaError
from app.core.pagination import PageParams
from app.core.settings import Settings
from app.documents import service as documents
from app.models import RedactionStatus
from app.redaction import instances, service, suggest
from app.redaction.detect.catalogue import DETECTORS
from app.redaction.routes import show
from app.redaction.schemas import DecisionIn, EveryInstanceIn, ManualIn, RedactionOut
from app.requests.lookup import records_request
from app.review import citations, tags
from app.review.service import require_in_set
from app.ui.deps import RequestReaderStaff, ReviewerStaff
from app.ui.forms import attempt, parsed
from app.ui.pages import redirect, render
from app.ui.redaction_text import pieces

router = APIRouter()
REVIEW = "/requests/{request_id}/redactions"
DOCUMENT = REVIEW + "/{document_id}"
SET_PAGE = 200  # documents listed at once, as on the case file
ALL_SPANS = PageParams(offset=0, limit=100_000)
Text = Annotated[str, Form(max_length=2000)]
Citation = Annotated[str, Form(max_length=60)]
Offset = Annotated[str, Form(max_length=12)]
REASONS = [detector.label for detector in DETECTORS.values()]  # offered, any may be typed


def reason_of(span: RedactionOut) -> str:
    """The reason a suggestion starts with: what its detector found (detectors.toml)."""
    found = DETECTORS.get(span.detector)
    return found.label if found else ""


def _counts(spans: list[Any]) -> dict[str, int]:
    found = Counter(span.status.value for span in spans)
    return {status.value: found[status.value] for status in RedactionStatus}


def _spans(session: Any, principal: Principal, document_id: uuid.UUID) -> list[RedactionOut]:
    """The spans on the document's text, as the API shows them to this person, by start."""
    return [show(r, principal) for r in service.for_document(session, document_id, ALL_SPANS).items]


@router.get(REVIEW)
def review(request_id: uuid.UUID, request: Request, reader: RequestReaderStaff,
           database: DatabaseDep) -> Response:
    """The review set's documents, each with its spans counted by status."""
    return _review_page(request, database, reader, request_id)


def _review_page(request: Request, database: Database, reader: Principal,
                 request_id: uuid.UUID, error: CustodiaError | None = None) -> Response:
    with database.reading() as session:
        found = records_request(session, request_id)
        rows: list[dict[str, Any]] = []
        for item in tags.items(session, found, PageParams(offset=0, limit=SET_PAGE), None,
                               False).items:
            try:
                spans = service.for_document(session, item.document.id, ALL_SPANS).items
            except BadRequest:  # no text to redact (an image, audio, a failed extraction)
                spans = []
            rows.append({"document": item.document, **_counts(spans)})
        totals = {name: sum(row[name] for row in rows) for name in _counts([])}
        return render(request, "redaction/list.html", {
            "case": found, "rows": rows, "totals": {"documents": len(rows), **totals},
            "editor": service.may_read_records(reader), "error": error},
            status=int(error.status) if error else 200)


@router.post(f"{REVIEW}/suggestions")
def find_suggestions(request_id: uuid.UUID, request: Request, reviewer: ReviewerStaff,
                     database: DatabaseDep, settings: SettingsDep) -> Response:
    """Run the detectors over the review set (the API's POST .../redactions/suggest)."""
    outcome = attempt(database, lambda session: suggest.suggest_for_request(
        session, reviewer, records_request(session, request_id), settings))
    if isinstance(outcome, CustodiaError):
        return _review_page(request, database, reviewer, request_id, outcome)
    if outcome.job_id:
        message = (f"The review set is large: suggestions for its {outcome.documents} "
                   "documents are being made in the background; reload this page later.")
    else:
        message = (f"Read {outcome.documents} documents ({outcome.texts} distinct texts): "
                   f"{outcome.suggested} new suggestions.")
    return redirect(request, f"/requests/{request_id}/redactions", message)


def _document_page(request: Request, database: Database, settings: Settings,
                   principal: Principal, request_id: uuid.UUID, document_id: uuid.UUID,
                   chosen: uuid.UUID | None, *, error: CustodiaError | None = None,
                   failed: str = "", kept: dict[str, Any] | None = None) -> Response:
    editor = service.may_read_records(principal)
    with database.transaction() as session:  # reading the text is audited (document.view)
        found = records_request(session, request_id)
        require_in_set(session, found, [document_id])
        if editor:
            shown = documents.view(session, settings, principal, document_id)
            title, text = shown.subject or shown.filename or "(no subject)", shown.text
        else:
            document = documents.document_of(session, document_id)
            title, text = document.subject or document.filename or "(no subject)", ""
        spans = _spans(session, principal, document_id)
        cited = citations.citable(session, citations.today(session, settings))
    used = sorted({s.reason for s in spans if s.reason} - set(REASONS))
    ids = [span.id for span in spans]
    current = next((s for s in spans if s.id == chosen), None) or next(
        (s for s in spans if s.status == RedactionStatus.suggested), spans[0] if spans else None)
    at = ids.index(current.id) if current else -1
    return render(request, "redaction/document.html", {
        "case": found, "doc": {"id": document_id}, "title": title,
        "pieces": pieces(text, spans) if editor else [], "spans": spans, "current": current,
        "position": at + 1, "previous": ids[at - 1] if at > 0 else None,
        "next": ids[at + 1] if 0 <= at < len(ids) - 1 else None, "counts": _counts(spans),
        "editor": editor, "citations": cited, "reasons": [*REASONS, *used],
        "reason_of": reason_of, "error": error, "failed": failed,
        "kept": kept or {}}, status=int(error.status) if error else 200)


@router.get(DOCUMENT)
def document_review(request_id: uuid.UUID, document_id: uuid.UUID, request: Request,
                    reader: RequestReaderStaff, database: DatabaseDep, settings: SettingsDep,
                    span: Annotated[uuid.UUID | None, Query()] = None) -> Response:
    """A document's text with its spans marked, the chosen (or first undecided) one current."""
    return _document_page(request, database, settings, reader, request_id, document_id, span)


def _after(request: Request, database: Database, settings: Settings, principal: Principal,
           request_id: uuid.UUID, document_id: uuid.UUID, span: uuid.UUID | None, action: str,
           kept: dict[str, Any], outcome: Any, message: str) -> Response:
    """Back to the document with a message (on the next undecided span), or the refusal."""
    if isinstance(outcome, CustodiaError):
        return _document_page(request, database, settings, principal, request_id, document_id,
                              span, error=outcome, failed=action, kept=kept)
    target = f"/requests/{request_id}/redactions/{document_id}"
    if isinstance(outcome, uuid.UUID):
        target += f"?span={outcome}#current"
    return redirect(request, target, message)


def _offset(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"The {name} must be a whole number of characters, not "
                         f"“{value[:12]}”. Nothing was changed.") from None


def _next_undecided(session: Any, principal: Principal, document_id: uuid.UUID,
                    after: int) -> uuid.UUID | None:
    spans = _spans(session, principal, document_id)
    return next((s.id for s in spans if s.status == RedactionStatus.suggested
                 and s.start >= after), None) or next(
        (s.id for s in spans if s.status == RedactionStatus.suggested), None)


@router.post(f"{DOCUMENT}/spans/{{span_id}}/decision")
def decide(request_id: uuid.UUID, document_id: uuid.UUID, span_id: uuid.UUID,
           request: Request, reviewer: ReviewerStaff, database: DatabaseDep,
           settings: SettingsDep, decision: Annotated[str, Form(max_length=10)] = "",
           version: Offset = "", reason: Text = "", citation: Citation = "") -> Response:
    """Accept (with a reason and citation) or reject the span: the API's PATCH."""
    kept = {"reason": reason, "citation": citation}
    status = {"accept": RedactionStatus.accepted, "reject": RedactionStatus.rejected}.get(decision)

    def work(session: Any) -> uuid.UUID | None:
        if status is None:
            raise BadRequest("Choose Accept or Reject. Nothing was changed.")
        require_in_set(session, records_request(session, request_id), [document_id])
        body = parsed(DecisionIn, {
            "status": status, "version": version or "0", "reason": reason.strip() or None,
            "citation": (citation or None) if status == RedactionStatus.accepted else None})
        done = service.decide(session, settings, reviewer, span_id, status=body.status,
                              version=body.version, reason=body.reason,
                              citation_code=body.citation)
        return _next_undecided(session, reviewer, document_id, done.end) or done.id

    outcome = attempt(database, work)
    verb = "Accepted: it is redacted" if status == RedactionStatus.accepted else "Rejected: it stays readable"
    return _after(request, database, settings, reviewer, request_id, document_id, span_id,
                  "decide", kept, outcome, f"{verb}.")


@router.post(f"{DOCUMENT}/spans/{{span_id}}/adjustment")
def adjust(request_id: uuid.UUID, document_id: uuid.UUID, span_id: uuid.UUID,
           request: Request, reviewer: ReviewerStaff, database: DatabaseDep,
           settings: SettingsDep, start: Offset = "", end: Offset = "", version: Offset = "",
           reason: Text = "", citation: Citation = "") -> Response:
    """Move the span's start and end, accepting it (the API adjusts only when accepting)."""
    kept = {"start": start, "end": end, "reason": reason, "citation": citation}

    def work(session: Any) -> uuid.UUID:
        require_in_set(session, records_request(session, request_id), [document_id])
        body = parsed(DecisionIn, {
            "status": RedactionStatus.accepted, "version": version or "0",
            "reason": reason.strip() or None, "citation": citation or None,
            "start": _offset(start, "start"), "end": _offset(end, "end")})
        return service.decide(session, settings, reviewer, span_id, status=body.status,
                              version=body.version, reason=body.reason,
                              citation_code=body.citation, start=body.start, end=body.end).id

    outcome = attempt(database, work)
    return _after(request, database, settings, reviewer, request_id, document_id, span_id,
                  "adjust", kept, outcome, f"The span is now characters {start}–{end}, accepted.")


@router.post(f"{DOCUMENT}/spans")
def redact_selection(request_id: uuid.UUID, document_id: uuid.UUID, request: Request,
                     reviewer: ReviewerStaff, database: DatabaseDep, settings: SettingsDep,
                     start: Offset = "", end: Offset = "", reason: Text = "",
                     citation: Citation = "") -> Response:
    """A span drawn by hand (the selected characters), accepted at once."""
    kept = {"start": start, "end": end, "reason": reason, "citation": citation}

    def work(session: Any) -> uuid.UUID:
        body = parsed(ManualIn, {"start": _offset(start, "start"), "end": _offset(end, "end"),
                                 "reason": reason, "citation": citation,
                                 "request_id": request_id})
        return service.add(session, settings, reviewer, document_id, body.start, body.end,
                           body.reason, body.citation,
                           records_request(session, request_id)).id

    outcome = attempt(database, work)
    return _after(request, database, settings, reviewer, request_id, document_id, None,
                  "manual", kept, outcome, f"Characters {start}–{end} are redacted.")


@router.post(f"{REVIEW}/every-instance")
def apply_to_all(request_id: uuid.UUID, request: Request, reviewer: ReviewerStaff,
                 database: DatabaseDep, settings: SettingsDep,
                 back: Annotated[uuid.UUID, Form()], quote: Text = "", reason: Text = "",
                 citation: Citation = "") -> Response:
    """Redact every instance of the words across the review set's texts."""
    kept = {"quote": quote, "reason": reason, "citation": citation}

    def work(session: Any) -> Any:
        body = parsed(EveryInstanceIn, {"quote": quote, "reason": reason, "citation": citation})
        return instances.redact_every_instance(session, settings, reviewer,
                                               records_request(session, request_id),
                                               body.quote, body.reason, body.citation)

    outcome = attempt(database, work)
    message = "" if isinstance(outcome, CustodiaError) else (
        f"Found {outcome.occurrences} times in {outcome.documents} documents: {outcome.added} "
        f"redactions added, {outcome.accepted} accepted, {outcome.already} already redacted.")
    return _after(request, database, settings, reviewer, request_id, back, None, "every",
                  kept, outcome, message)
