"""The Open Meetings report: threads where enough members of one public body took part.

The catalog narrows first (top-level e-mails naming a member's address, any of them, old
ones included), then every message of those threads is read and app.meetings.triage
decides. Nothing is stored: the report follows the directory and the mail as they are.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import Response
from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.errors import BadRequest
from app.core.spreadsheet import to_csv
from app.meetings import service, triage
from app.meetings.schemas import FindingOut, MessageRef, Participant, ReportOut
from app.models import Document, DocumentKind, DocumentText
from app.models import PublicBody as BodyRow

CHUNK = 500
SNIPPET = 300
_REPLY = re.compile(r"^\s*(re|aw|sv)\s*:", re.IGNORECASE)


def body_of(session: Session, row: BodyRow) -> triage.Body:
    terms, addresses = service.terms_of(session, row.id)
    members = tuple(triage.Member(t.person_id, name,
                                  frozenset(a.lower() for a in addresses.get(t.person_id, ())),
                                  t.starts_on, t.ends_on) for t, name in terms)
    return triage.Body(row.id, row.name, row.quorum, members)


def _like(address: str) -> str:
    escaped = address.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f'%"{escaped}"%'


def _threads_naming(session: Session, addresses: set[str]) -> list[str]:
    if not addresses:
        return []
    named = [cast(column, String).like(_like(a), escape="\\")
             for a in sorted(addresses) for column in (Document.sender, Document.recipients)]
    return sorted(set(session.scalars(
        select(Document.thread_id).where(Document.parent_id.is_(None),
                                         Document.kind == DocumentKind.email, or_(*named)))))


def _parties(document: Document) -> frozenset[str]:
    found = [document.sender or {}] + [p for kind in ("to", "cc", "bcc")
                                       for p in (document.recipients or {}).get(kind, [])]
    return frozenset(str(p.get("email", "")).lower() for p in found if p.get("email"))


def _messages(session: Session, thread_ids: list[str]) -> Iterator[list[triage.Message]]:
    for start in range(0, len(thread_ids), CHUNK):
        by_thread: dict[str, list[triage.Message]] = {}
        for d in session.scalars(select(Document).where(
                Document.thread_id.in_(thread_ids[start:start + CHUNK]),
                Document.parent_id.is_(None), Document.kind == DocumentKind.email)):
            by_thread.setdefault(d.thread_id, []).append(triage.Message(
                d.id, d.thread_id, d.sent_at, d.subject,
                str((d.sender or {}).get("email", "")).lower(), _parties(d),
                bool(d.in_reply_to or d.references or _REPLY.match(d.subject))))
        yield from by_thread.values()


def findings(session: Session, zone: ZoneInfo, body_id: uuid.UUID | None = None
             ) -> list[triage.Finding]:
    known = triage.rules()
    query = select(BodyRow).order_by(BodyRow.name)
    if body_id is not None:
        query = query.where(BodyRow.id == body_id)
    found = []
    for row in session.scalars(query):
        body = body_of(session, row)
        addresses = set().union(*(m.addresses for m in body.members)) if body.members else set()
        for thread in _messages(session, _threads_naming(session, addresses)):
            finding = triage.triage(body, thread, zone, known)
            if finding is not None:
                found.append(finding)
    return sorted(found, key=lambda f: (f.first_at is None, f.first_at or datetime.min,
                                        f.body.name))


def _snippet(session: Session, document_id: uuid.UUID) -> str:
    text = session.scalar(select(DocumentText.text).where(
        DocumentText.document_id == document_id)) or ""
    return " ".join(text.split())[:SNIPPET]


def _ref(message: triage.Message) -> MessageRef:
    return MessageRef(document_id=message.document_id, sent_at=message.sent_at,
                      sender=message.sender, subject=message.subject)


def shown(session: Session, finding: triage.Finding) -> FindingOut:
    seen = set().union(*(m.addresses for m in finding.messages))
    return FindingOut(
        body_id=finding.body.id, body=finding.body.name, thread_id=finding.thread_id,
        subject=finding.messages[0].subject, first_at=finding.first_at, last_at=finding.last_at,
        messages=len(finding.messages), threshold=finding.threshold,
        members=[Participant(person_id=m.person_id, name=m.name,
                             addresses=sorted(m.addresses & seen)) for m in finding.members],
        citation=finding.rule.citation, reached_by=_ref(finding.reached_by),
        reply_all=_ref(finding.reply_all) if finding.reply_all else None,
        snippet=_snippet(session, finding.reached_by.document_id),
        explanation=finding.explanation)


def matching(entries: Iterable[FindingOut], zone: ZoneInfo, q: str | None = None,
             after: date | None = None, before: date | None = None) -> list[FindingOut]:
    """Entries whose thread ran on or after `after` and on or before `before` (city days),
    and whose subject, snippet, members or addresses hold `q` (any case)."""
    needle = (q or "").strip().lower()
    kept = []
    for entry in entries:
        last = entry.last_at.astimezone(zone).date() if entry.last_at else None
        first = entry.first_at.astimezone(zone).date() if entry.first_at else None
        if after is not None and (last is None or last < after):
            continue
        if before is not None and (first is None or first > before):
            continue
        words = [entry.subject, entry.snippet, entry.body] + [
            x for m in entry.members for x in (m.name, *m.addresses)]
        if needle and not any(needle in w.lower() for w in words):
            continue
        kept.append(entry)
    return kept


def run(session: Session, zone: ZoneInfo, actor: Actor, body_id: uuid.UUID | None = None,
        q: str | None = None, after: date | None = None, before: date | None = None,
        shape: str = "json") -> ReportOut:
    """The report as a reader asked for it (API or page), audited with what it showed."""
    if after is not None and before is not None and before < after:
        raise BadRequest(f"before ({before}) is earlier than after ({after}).")
    if body_id is not None:
        service.body(session, body_id)  # 404 for an unknown body
    kept = matching([shown(session, f) for f in findings(session, zone, body_id)],
                    zone, q, after, before)
    audit.record(session, actor, "open_meetings.report", "public_body", body_id or "all",
                 q=q, after=after and after.isoformat(), before=before and before.isoformat(),
                 shape=shape, findings=len(kept), threads=[f.thread_id for f in kept])
    return ReportOut(total=len(kept), findings=kept)


CSV_HEADER = ["body", "thread_id", "subject", "first_at", "last_at", "messages", "members",
              "threshold", "citation", "reached_by_document", "reply_all_document", "snippet"]


def as_csv(entries: list[FindingOut]) -> str:
    def row(e: FindingOut) -> list[Any]:
        return [e.body, e.thread_id, e.subject, e.first_at.isoformat() if e.first_at else "",
                e.last_at.isoformat() if e.last_at else "", e.messages,
                "; ".join(f"{m.name} <{', '.join(m.addresses)}>" for m in e.members),
                e.threshold, e.citation, str(e.reached_by.document_id),
                str(e.reply_all.document_id) if e.reply_all else "", e.snippet]
    return to_csv(CSV_HEADER, (row(e) for e in entries))


def csv_download(found: ReportOut) -> Response:
    """The report as the CSV file the API and the page both hand out."""
    return Response(as_csv(found.findings), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="open-meetings.csv"'})
