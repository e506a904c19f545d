"""'Redact every instance': one string redacted wherever it occurs in a review set's texts.

The string matches in any case, across any run of spaces, and as a whole word (redacting
"Ann" leaves "Annual" alone). A number matches however its digits are grouped and
separated: 078-05-1120, 078 05 1120, 078.05.1120 and 078051120 are one number, and a
longer number that merely contains it is not it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.deps import Principal
from app.core import audit
from app.core.settings import Settings
from app.models import RecordsRequest, Redaction, RedactionStatus
from app.redaction import service
from app.redaction.schemas import EveryInstanceOut

SEPARATOR = r"[ \t.\-/()\u2010-\u2015]"  # what may stand between the digits of a number
NUMBER = re.compile(rf"[0-9]+(?:{SEPARATOR}+[0-9]+)*")


def is_number(quote: str) -> bool:
    return NUMBER.fullmatch(quote.strip()) is not None


def pattern(quote: str) -> re.Pattern[str]:
    """What matches every instance of `quote` in a text."""
    stripped = quote.strip()
    if is_number(stripped):
        digits = re.sub(r"[^0-9]", "", stripped)
        return re.compile(r"(?<![0-9])" + f"{SEPARATOR}{{0,3}}".join(digits) + r"(?![0-9])")
    body = r"\s+".join(re.escape(word) for word in stripped.split())
    lead = r"(?<!\w)" if re.match(r"\w", stripped[0]) else ""
    tail = r"(?!\w)" if re.match(r"\w", stripped[-1]) else ""
    return re.compile(lead + body + tail, re.IGNORECASE)


def redact_every_instance(session: Session, settings: Settings, principal: Principal,
                          request: RecordsRequest, quote: str, reason: str,
                          citation_code: str) -> EveryInstanceOut:
    """Accept a redaction at every occurrence of `quote` in the review set's texts: new
    spans are added (detector "every_instance"), suggested or rejected ones at the same
    place accepted, accepted ones left as they are. One audit entry, without the quote."""
    if not reason.strip():
        raise service.ReasonRequired("A redaction needs the reason it is redacted.")
    citation = service.usable_citation(session, settings, citation_code)
    found = pattern(quote)
    documents = 0
    done: dict[str, bool] = {}  # text key -> whether the string occurs in it
    added = accepted = already = 0
    changed: list[dict[str, Any]] = []
    released: list[dict[str, Any]] = []
    for document_id, text in service.set_texts(session, request):
        key = service.text_key(text)
        if key in done:
            documents += done[key]
            continue
        spans = [(m.start(), m.end()) for m in found.finditer(text)]
        done[key] = bool(spans)
        if not spans:
            continue
        documents += 1
        existing = {(r.start, r.end): r for r in session.scalars(
            select(Redaction).where(Redaction.text_sha256 == key))}
        touched = False
        for start, end in spans:
            row = existing.get((start, end))
            if row is not None and row.status == RedactionStatus.accepted:
                already += 1
                continue
            if row is None:
                row = Redaction(text_sha256=key, document_id=document_id, request_id=request.id,
                                start=start, end=end, quote=text[start:end],
                                detector="every_instance", confidence=1.0)
                session.add(row)
                added += 1
            else:
                changed.append({"redaction_id": str(row.id), "before": service.snapshot(row)})
                accepted += 1
            row.status, row.reason = RedactionStatus.accepted, reason.strip()
            row.citation_id, row.citation_code = citation.id, citation.code
            service.sign(session, principal, row)
            touched = True
        if touched and (productions := service.releases(session, text)):
            released.append({"text_sha256": key, "productions": productions})
    service.save(session)
    result = EveryInstanceOut(documents=documents, occurrences=added + accepted + already,
                              added=added, accepted=accepted, already=already)
    audit.record(session, principal.actor, "redaction.every_instance", "records_request",
                 request.id, request_number=request.number, masked=service.masked(quote.strip()),
                 length=len(quote.strip()), number=is_number(quote), reason=reason.strip(),
                 citation=citation.code, **result.model_dump(), changed=changed,
                 released=released)
    return result
