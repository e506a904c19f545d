"""Near-duplicate groups: recall under known edits, incremental arrival, rebuild, purge."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.models import Document, NearDuplicate, NearDuplicateBand, NearDuplicateGroup
from app.near_duplicates import grouping
from tests.near_duplicates.factories import edited, group_of, long_enron_body, memo
from tests.review.factories import make_family

THRESHOLD = 0.9


def _rows(database: Database, ids: set[uuid.UUID]) -> dict[str, Any]:
    """Everything stored about these documents' groups, to compare before and after."""
    with database.reading() as session:
        members = {r.document_id: (r.group_id, r.similarity, r.signature, r.assigned_at,
                                   r.text_length)
                   for r in session.scalars(select(NearDuplicate)
                                            .where(NearDuplicate.document_id.in_(ids)))}
        bands = sorted((b, d) for b, d in session.execute(
            select(NearDuplicateBand.band, NearDuplicateBand.document_id)
            .where(NearDuplicateBand.document_id.in_(ids))))
        groups = sorted((g, p, c) for g, p, c in session.execute(
            select(NearDuplicateGroup.id, NearDuplicateGroup.pivot_id,
                   NearDuplicateGroup.created_at)))
        generations = {d: g for d, g in session.execute(
            select(Document.id, Document.generation).where(Document.id.in_(ids)))}
    return {"members": members, "bands": bands, "groups": groups, "generations": generations}


def test_an_edited_copy_stays_in_the_group_and_another_text_does_not_join(
        database: Database) -> None:
    original = memo(1)
    first = make_family(database, "Water budget", original).email
    copy = make_family(database, "RE: Water budget", edited(original)).email
    other = make_family(database, "Park permits", memo(2)).email
    assert grouping.assign_pending(database, THRESHOLD) == 3
    group = group_of(database, first)
    assert group is not None
    assert group_of(database, copy) == group
    assert group_of(database, other) not in (None, group)
    with database.reading() as session:
        pivot = session.scalar(select(NearDuplicateGroup.pivot_id)
                               .where(NearDuplicateGroup.id == group))
        rows = {r.document_id: r for r in session.scalars(select(NearDuplicate))}
    assert pivot == first  # the first to arrive
    assert rows[first].similarity == 1.0
    assert THRESHOLD <= rows[copy].similarity < 1.0


def test_attachments_are_part_of_the_text_compared(database: Database) -> None:
    body = memo(3, sentences=10)
    family = make_family(database, "Bid", body, (("bid.pdf", memo(4)),))
    one = family.email
    same = make_family(database, "Bid", body, (("bid.pdf", memo(4)),)).email
    different = make_family(database, "Bid", body, (("bid.pdf", memo(5)),)).email
    grouping.assign_pending(database, THRESHOLD)
    assert group_of(database, one) == group_of(database, same) is not None
    assert group_of(database, different) != group_of(database, one)
    with database.reading() as session:  # an attachment is compared as part of its family
        assert session.scalar(select(NearDuplicate).where(
            NearDuplicate.document_id.in_(family.attachments))) is None


def test_a_document_without_words_joins_no_group(database: Database) -> None:
    empty = make_family(database, "Scan", "   \n ").email
    also = make_family(database, "Scan", "").email
    grouping.assign_pending(database, THRESHOLD)
    assert group_of(database, empty) is None and group_of(database, also) is None
    with database.reading() as session:
        assert grouping.pending(session) == []  # looked at once, not again


def test_a_later_copy_joins_the_group_and_leaves_the_others_rows_alone(
        database: Database) -> None:
    original = memo(6)
    first = make_family(database, "Fleet report", original).email
    second = make_family(database, "Fleet report", edited(original)).email
    grouping.assign_pending(database, THRESHOLD)
    before = _rows(database, {first, second})
    group = group_of(database, first)
    assert group is not None and group_of(database, second) == group

    late = make_family(database, "FW: Fleet report", edited(original) + " Thanks, Pat").email
    assert grouping.assign_pending(database, THRESHOLD) == 1
    assert group_of(database, late) == group
    assert _rows(database, {first, second}) == before  # no recompute, no reindex of the others
    with database.reading() as session:
        assert session.get_one(Document, late).indexed_at is None  # its copy will show the group
        # only the pivot's bands are kept: a member is never what an arrival is compared with
        assert set(session.scalars(select(NearDuplicateBand.document_id))) == {first}


def test_a_rebuild_keeps_group_ids_and_makes_the_longest_the_pivot(database: Database) -> None:
    original = memo(7)
    short = make_family(database, "Zoning", original).email
    longer = make_family(database, "Zoning", original + " " + memo(7, sentences=3)).email
    grouping.assign_pending(database, THRESHOLD)
    group = group_of(database, short)
    with database.reading() as session:
        assert session.scalar(select(NearDuplicateGroup.pivot_id)) == short
    assert grouping.rebuild(database, THRESHOLD, Actor("cli:test", "local", "")) == 2
    assert group_of(database, short) == group_of(database, longer)
    with database.reading() as session:
        assert session.scalar(select(NearDuplicateGroup.pivot_id)) == longer
    assert group_of(database, short) != group  # its pivot changed: a new group


def test_forgetting_a_pivot_places_its_members_again(database: Database) -> None:
    original = memo(8)
    pivot = make_family(database, "Audit", original).email
    member = make_family(database, "Audit", edited(original)).email
    grouping.assign_pending(database, THRESHOLD)
    with database.transaction() as session:
        grouping.forget(session, [pivot])
    with database.reading() as session:
        assert grouping.pending(session) == [pivot, member]
        assert session.scalar(select(NearDuplicateGroup)) is None


@pytest.mark.parametrize("value", [0.49, 1.01, -1])
def test_the_similarity_setting_is_checked(value: float, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="near_duplicate_similarity"):
        Settings(data_dir=tmp_path, near_duplicate_similarity=value)
    assert Settings(data_dir=tmp_path).near_duplicate_similarity == 0.9


def test_an_edited_enron_message_stays_in_its_group(database: Database,
                                                      corpus_dir: Path) -> None:
    """The same recall on a real message's body from the shared Enron slice."""
    body = long_enron_body(corpus_dir)
    if body is None:
        pytest.skip("no message of 600 words in the shared Enron slice")
    first = make_family(database, "Enron", body).email
    copy = make_family(database, "Enron", edited(body)).email
    other = make_family(database, "Other", memo(9)).email
    grouping.assign_pending(database, THRESHOLD)
    assert group_of(database, copy) == group_of(database, first) is not None
    assert group_of(database, other) != group_of(database, first)
