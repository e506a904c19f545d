"""Near-duplicate groups as reviewers see them: a document's group, a member's differences
from the pivot, and the groups in a review set."""

from __future__ import annotations

import difflib
import re
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import BadRequest, NotFound
from app.core.pagination import Page, PageParams
from app.models import Document, NearDuplicate, NearDuplicateGroup, RecordsRequest, ReviewSetItem
from app.near_duplicates.grouping import family_texts
from app.near_duplicates.schemas import DiffOut, DiffPart, GroupOut, MemberOut, ReviewGroupOut

DIFF_CHARS = 200_000  # each text compared up to here: a diff of two huge texts is unreadable
_TOKEN = re.compile(r"\s*\S+\s*|\s+")  # a word with the spacing around it


class GroupOfOne(BadRequest):
    code = "group_of_one"


def group(session: Session, ident: uuid.UUID) -> NearDuplicateGroup:
    """A group by its id, or the group of the document with this id; 404 otherwise."""
    found = session.get(NearDuplicateGroup, ident)
    if found is not None:
        return found
    row = session.get(NearDuplicate, ident)
    if row is not None and row.group_id is not None:
        return session.get_one(NearDuplicateGroup, row.group_id)
    if session.get(Document, ident) is not None:
        raise NotFound("This document is in no near-duplicate group: it has no words to "
                       "compare, it is an attachment (its e-mail is grouped), or it is still "
                       "waiting to be compared.", document_id=str(ident))
    raise NotFound("No near-duplicate group or document has this id.")


def members(session: Session, found: NearDuplicateGroup) -> list[MemberOut]:
    rows = session.execute(
        select(Document.id, Document.kind, Document.subject, Document.sent_at,
               NearDuplicate.similarity)
        .join(NearDuplicate, NearDuplicate.document_id == Document.id)
        .where(NearDuplicate.group_id == found.id))
    shown = [MemberOut(document_id=i, kind=k, subject=s, sent_at=t, pivot=i == found.pivot_id,
                       similarity=sim) for i, k, s, t, sim in rows]
    return sorted(shown, key=lambda m: (not m.pivot, -m.similarity, str(m.document_id)))


def describe(session: Session, ident: uuid.UUID) -> GroupOut:
    found = group(session, ident)
    listed = members(session, found)
    return GroupOut(id=found.id, pivot_id=found.pivot_id, size=len(listed), members=listed)


def member_ids(session: Session, found: NearDuplicateGroup) -> list[uuid.UUID]:
    return sorted(session.scalars(select(NearDuplicate.document_id)
                                  .where(NearDuplicate.group_id == found.id)))


def require_several(session: Session, found: NearDuplicateGroup) -> list[uuid.UUID]:
    """The group's members; 400 when it has only its pivot (nothing to propagate to)."""
    ids = member_ids(session, found)
    if len(ids) < 2:
        raise GroupOfOne("This near-duplicate group has only one document: there is nothing "
                         "to apply it to.", group_id=str(found.id))
    return ids


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text[:DIFF_CHARS])


def diff_texts(pivot: str, member: str) -> list[DiffPart]:
    """Word by word: what the member says where the pivot says otherwise. Words are
    compared without their spacing (spacing alone is no difference) and shown with it."""
    a, b = _tokens(pivot), _tokens(member)
    matcher = difflib.SequenceMatcher(None, [t.strip() for t in a], [t.strip() for t in b],
                                      autojunk=False)
    ops = {"equal": "same", "insert": "added", "delete": "removed", "replace": "changed"}
    parts: list[DiffPart] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            parts.append(DiffPart(op="same", pivot=left, member=right))
            continue
        shown = right or left  # the spacing after a change is shown outside it
        after = shown[len(shown.rstrip()):]
        parts.append(DiffPart(op=ops[tag], pivot=left.strip(),  # type: ignore[arg-type]
                              member=right.strip()))
        if after:
            parts.append(DiffPart(op="same", pivot=after, member=after))
    return parts


def diff(session: Session, document_id: uuid.UUID) -> DiffOut:
    """The document's differences from its group's pivot, over body and attachments."""
    found = group(session, document_id)
    if found.id == document_id:
        raise BadRequest("Give a document's id: a group has no text of its own.")
    row = session.get_one(NearDuplicate, document_id)
    texts = family_texts(session, [found.pivot_id, document_id])
    pivot, member = texts[found.pivot_id], texts[document_id]
    return DiffOut(document_id=document_id, pivot_id=found.pivot_id, group_id=found.id,
                   similarity=row.similarity,
                   truncated=max(len(pivot), len(member)) > DIFF_CHARS,
                   parts=diff_texts(pivot, member))


def in_review_set(session: Session, request: RecordsRequest,
                  page: PageParams) -> Page[ReviewGroupOut]:
    """The groups with two or more members in the review set, the largest first."""
    in_set = (select(NearDuplicate.group_id.label("group_id"),
                     func.count().label("in_set"))
              .join(ReviewSetItem, ReviewSetItem.document_id == NearDuplicate.document_id)
              .where(ReviewSetItem.request_id == request.id, NearDuplicate.group_id.is_not(None))
              .group_by(NearDuplicate.group_id).having(func.count() > 1).subquery())
    sizes = (select(NearDuplicate.group_id.label("group_id"), func.count().label("size"))
             .group_by(NearDuplicate.group_id).subquery())
    query = (select(NearDuplicateGroup.id, NearDuplicateGroup.pivot_id, Document.subject,
                    sizes.c.size, in_set.c.in_set)
             .join(in_set, in_set.c.group_id == NearDuplicateGroup.id)
             .join(sizes, sizes.c.group_id == NearDuplicateGroup.id)
             .join(Document, Document.id == NearDuplicateGroup.pivot_id)
             .order_by(in_set.c.in_set.desc(), NearDuplicateGroup.id))
    total = session.scalar(select(func.count()).select_from(in_set)) or 0
    rows = session.execute(query.offset(page.offset).limit(page.limit))
    return Page(items=[ReviewGroupOut(id=g, pivot_id=p, pivot_subject=s, size=n, in_review_set=m)
                       for g, p, s, n, m in rows], total=total, offset=page.offset,
                limit=page.limit)



def for_viewer(session: Session, document_id: uuid.UUID) -> tuple[GroupOut | None, DiffOut | None]:
    """The document viewer's part: the group of two or more the document is in (else None),
    and, for a member other than the pivot, its differences from the pivot."""
    row = session.get(NearDuplicate, document_id)
    if row is None or row.group_id is None:
        return None, None
    shown = describe(session, row.group_id)
    if shown.size < 2:
        return None, None
    return shown, None if shown.pivot_id == document_id else diff(session, document_id)
