"""Search-term report: what each term finds, alone and with families.

For a list of terms: documents each term matches, the ones no other term
matches (unique), and both again counting whole families (an e-mail with its
attachments), because a production or a hold is made of families.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.settings import Settings
from app.core.spreadsheet import safe_cell
from app.models import Document
from app.search.schemas import TermReportOut, TermRow
from app.search.service import engine_errors, parse_query
from search.engines import SearchEngine

CHUNK = 500


def family_sizes(session: Session, families: Iterable[str]) -> Counter[str]:
    """Documents per family, from the catalog."""
    sizes: Counter[str] = Counter()
    wanted = sorted(families)
    for start in range(0, len(wanted), CHUNK):
        chunk = [uuid.UUID(f) for f in wanted[start:start + CHUNK]]
        for family_id, size in session.execute(
                select(Document.family_id, func.count()).where(Document.family_id.in_(chunk))
                .group_by(Document.family_id)):
            sizes[str(family_id)] = size
    return sizes


def term_report(session: Session, engine: SearchEngine, settings: Settings, actor: Actor,
                terms: list[str]) -> TermReportOut:
    queries = [parse_query(term, index) for index, term in enumerate(terms)]
    with engine_errors():
        matched = [engine.matching(query, settings.time_zone) for query in queries]
    documents_by = Counter(doc for found in matched for doc in found)
    families_by = Counter(family for found in matched for family in set(found.values()))
    all_families = set(families_by)
    sizes = family_sizes(session, all_families)
    rows = []
    for term, found in zip(terms, matched, strict=True):
        families = set(found.values())
        rows.append(TermRow(
            term=term, documents=len(found),
            unique_documents=sum(1 for doc in found if documents_by[doc] == 1),
            with_families=sum(sizes[f] for f in families),
            unique_with_families=sum(sizes[f] for f in families if families_by[f] == 1)))
    report = TermReportOut(rows=rows, total_documents=len(documents_by),
                           total_with_families=sum(sizes[f] for f in all_families))
    audit.record(session, actor, "search.term_report", "search", "", terms=terms,
                 engine=engine.name, total_documents=report.total_documents)
    return report


def as_csv(report: TermReportOut) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["term", "documents", "unique_documents", "with_families",
                     "unique_with_families"])
    for row in report.rows:
        writer.writerow([safe_cell(row.term), row.documents, row.unique_documents,
                         row.with_families, row.unique_with_families])
    writer.writerow(["(any term)", report.total_documents, "", report.total_with_families, ""])
    return out.getvalue()
