"""A hold's report for the court file: custodians and their acknowledgements with the
questionnaire answers, held documents by custodian and source, and the full history
from the audit trail; as CSV (one part at a time) and as one PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.spreadsheet import to_csv
from app.holds.notices import QUESTIONS
from app.letters.pdf import html_to_pdf
from app.models import AuditEntry, Document, HeldDocument, Hold, HoldAcknowledgement, Location, Person

PARTS = ("custodians", "documents", "history")


@dataclass(frozen=True)
class HoldReport:
    hold: Hold
    zone: ZoneInfo
    custodians: list[tuple[str, HoldAcknowledgement]]
    documents: list[tuple[str, str, int]]
    history: list[AuditEntry]


def gather(session: Session, hold: Hold, zone: ZoneInfo) -> HoldReport:
    acks = session.execute(select(Person.name, HoldAcknowledgement)
                           .join(Person, Person.id == HoldAcknowledgement.person_id)
                           .where(HoldAcknowledgement.hold_id == hold.id)
                           .order_by(HoldAcknowledgement.scope_version, Person.name)).all()
    heads = select(HeldDocument.document_id).where(HeldDocument.hold_id == hold.id)
    documents = session.execute(
        select(Location.custodian, Location.source, func.count(func.distinct(Document.id)))
        .join(Document, Document.id == Location.document_id).where(Document.id.in_(heads))
        .group_by(Location.custodian, Location.source)
        .order_by(Location.custodian, Location.source)).all()
    history = list(session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "hold", AuditEntry.object_id == str(hold.id))
        .order_by(AuditEntry.seq)))
    return HoldReport(hold, zone, [(n, a) for n, a in acks],
                      [(c, s, int(n)) for c, s, n in documents], history)


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).isoformat(timespec="minutes")


def _rows(report: HoldReport, part: str) -> tuple[list[str], list[list[Any]]]:
    zone = report.zone
    if part == "custodians":
        return (["custodian", "scope_version", "recipient", "notified_at", "acknowledged_at",
                 "acknowledged_from", "reminders", "escalated_at", "superseded_at", *QUESTIONS],
                [[name, a.scope_version, a.recipient, _when(a.notified_at, zone),
                  _when(a.acknowledged_at, zone), a.client_address, a.reminders,
                  _when(a.escalated_at, zone), _when(a.superseded_at, zone),
                  *(a.answers.get(q, "") for q in QUESTIONS)] for name, a in report.custodians])
    if part == "documents":
        return ["custodian", "source", "documents"], [list(row) for row in report.documents]
    return (["seq", "occurred_at", "actor", "action", "client_address", "details"],
            [[e.seq, _when(e.occurred_at, zone), e.actor, e.action, e.client_address,
              e.details] for e in report.history])


def as_csv(report: HoldReport, part: str) -> str:
    header, rows = _rows(report, part)
    return to_csv(header, rows)


def as_pdf(report: HoldReport) -> bytes:
    hold = report.hold
    sections = []
    for part in PARTS:
        header, rows = _rows(report, part)
        cells = "".join(f"<tr>{''.join(f'<td>{escape(str(c))}</td>' for c in row)}</tr>"
                        for row in rows)
        sections.append(f"<h2>{part.title()}</h2><table><tr>"
                        f"{''.join(f'<th>{escape(h)}</th>' for h in header)}</tr>{cells}</table>")
    title = escape(hold.matter_name + (f" ({hold.matter_number})" if hold.matter_number else ""))
    html = (f"<html><head><meta charset='utf-8'><style>body{{font:9pt sans-serif}}"
            f"table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #999;"
            f"padding:2px;vertical-align:top;word-break:break-word}}</style></head><body>"
            f"<h1>Legal hold: {title}</h1><p>Status {escape(hold.status.value)}; attorney "
            f"{escape(hold.attorney)}; issued {_when(hold.issued_at, report.zone) or '-'}; "
            f"released {_when(hold.released_at, report.zone) or '-'}.</p>{''.join(sections)}"
            f"</body></html>")
    return html_to_pdf(html)


@dataclass(frozen=True)
class Download:
    content: bytes | str
    media_type: str
    disposition: str


def download(session: Session, actor: Actor, hold: Hold, zone: ZoneInfo, format: str,
             part: str) -> Download:
    """The report as the API and the hold page give it (audited as `hold.report`)."""
    found = gather(session, hold, zone)
    audit.record(session, actor, "hold.report", "hold", hold.id, format=format,
                 part=part if format == "csv" else "all")
    if format == "csv":
        return Download(as_csv(found, part), "text/csv; charset=utf-8",
                        f'attachment; filename="hold-{part}.csv"')
    return Download(as_pdf(found), "application/pdf", 'inline; filename="hold-report.pdf"')
