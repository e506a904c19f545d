"""One decision applied to a whole near-duplicate group: a review tag, or a redaction.

Each is one audited action that names the group, its pivot and its members. Everything is
checked before anything changes: an unknown group, a group of one, a tag the reviewer may
not set, a redaction not accepted or not on the group's text leave all as it was.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.deps import Principal
from app.core import audit
from app.core.errors import BadRequest
from app.core.settings import Settings
from app.models import Document, RecordsRequest, Redaction, RedactionStatus
from app.near_duplicates import service
from app.near_duplicates.schemas import GroupRedactedOut, GroupTagIn, MemberRedacted
from app.redaction import instances
from app.redaction import service as redactions
from app.review import tags
from app.review.schemas import TaggedOut, TagIn
from app.review.service import in_set
from search.engines import SearchEngine

MAX_MEMBERS = 1000  # one action, one audit entry: a larger group is tagged by query


def tag_group(session: Session, engine: SearchEngine, settings: Settings, principal: Principal,
              request: RecordsRequest, ident: uuid.UUID, body: GroupTagIn) -> TaggedOut:
    """Tag the group's members that are in the review set (the others are listed, untouched)."""
    group = service.group(session, ident)
    members = service.require_several(session, group)
    chosen = in_set(session, request, members)
    if not chosen:
        raise BadRequest(f"None of this group's documents are in request {request.number}'s "
                         "review set: add them first.", group_id=str(group.id))
    if len(chosen) > MAX_MEMBERS:
        raise BadRequest(f"This group has more than {MAX_MEMBERS} documents in the review set: "
                         f"tag them with a search (neardup:{group.id}).")
    selection = TagIn.model_construct(tag=body.tag, citation=body.citation, note=body.note,
                                      document_ids=sorted(chosen), query=None)
    return tags.set_tags(session, engine, settings, principal, request, selection,
                         near_duplicates={"group_id": str(group.id),
                                          "pivot_id": str(group.pivot_id),
                                          "members": [str(m) for m in members],
                                          "not_in_review_set": sorted(
                                              str(m) for m in set(members) - chosen)})


def _family_texts(session: Session, heads: list[uuid.UUID]) -> dict[uuid.UUID, list[tuple[uuid.UUID, str]]]:
    """Each member's documents (itself and its attachments) that have a text."""
    found: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {h: [] for h in heads}
    rows = session.execute(select(Document.family_id, Document.id).where(
        Document.family_id.in_(heads)).order_by(Document.family_id, Document.id))
    ids = {doc: family for family, doc in rows}
    for doc, text in redactions.texts_of(session, ids):
        found[ids[doc]].append((doc, text))
    return found


def redact_group(session: Session, settings: Settings, principal: Principal, ident: uuid.UUID,
                 redaction_id: uuid.UUID) -> GroupRedactedOut:
    """Redact the accepted redaction's words wherever they occur in the group's other
    members (their bodies and attachments), with its reason and citation."""
    group = service.group(session, ident)
    members = service.require_several(session, group)
    source = redactions.get(session, redaction_id)
    if source.status != RedactionStatus.accepted:
        raise BadRequest("Only an accepted redaction is applied to a group: accept it first.",
                         redaction_id=str(redaction_id))
    texts = _family_texts(session, members)
    home = next((m for m, docs in texts.items()
                 if any(redactions.text_key(t) == source.text_sha256 for _, t in docs)), None)
    if home is None:
        raise BadRequest("This redaction is not on the text of any document in this group.",
                         redaction_id=str(redaction_id), group_id=str(group.id))
    pattern = instances.pattern(source.quote)
    results: list[MemberRedacted] = []
    missing: list[uuid.UUID] = []
    for member in members:
        if member == home:
            continue
        counts = {"occurrences": 0, "added": 0, "accepted": 0, "already": 0}
        for document_id, text in texts[member]:
            _redact_text(session, principal, source, document_id, text, pattern, counts)
        if counts["occurrences"]:
            results.append(MemberRedacted(document_id=member, **counts))
        else:
            missing.append(member)
    redactions.save(session)
    found = GroupRedactedOut(group_id=group.id, redaction_id=source.id, members=results,
                             not_found=missing)
    audit.record(session, principal.actor, "redaction.propagate", "near_duplicate_group",
                 group.id, pivot_id=str(group.pivot_id), redaction=redactions.snapshot(source),
                 redaction_id=str(source.id), from_document=str(home),
                 members=[str(m) for m in members],
                 applied=[r.model_dump(mode="json") for r in results],
                 not_found=[str(m) for m in missing])
    return found


def _redact_text(session: Session, principal: Principal, source: Redaction,
                 document_id: uuid.UUID, text: str, pattern: Any, counts: dict[str, int]) -> None:
    key = redactions.text_key(text)
    spans = [(m.start(), m.end()) for m in pattern.finditer(text)]
    if not spans:
        return
    existing = {(r.start, r.end): r for r in session.scalars(
        select(Redaction).where(Redaction.text_sha256 == key))}
    for start, end in spans:
        counts["occurrences"] += 1
        row = existing.get((start, end))
        if row is not None and row.status == RedactionStatus.accepted:
            counts["already"] += 1
            continue
        if row is None:
            row = Redaction(text_sha256=key, document_id=document_id,
                            request_id=source.request_id, start=start, end=end,
                            quote=text[start:end], detector="near_duplicate", confidence=1.0)
            session.add(row)
            existing[(start, end)] = row
            counts["added"] += 1
        else:
            counts["accepted"] += 1
        row.status, row.reason = RedactionStatus.accepted, source.reason
        row.citation_id, row.citation_code = source.citation_id, source.citation_code
        redactions.sign(session, principal, row)
