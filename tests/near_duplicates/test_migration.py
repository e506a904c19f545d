"""0021_pivot_bands drops the bands of every member that is not its group's pivot."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from app.core import migrations
from app.core.db import Database
from tests.retention.test_migration import _insert


def test_only_the_pivots_bands_are_kept(database_url: str) -> None:
    database = Database(database_url)
    migrations.upgrade(database.engine, "0020_near_duplicates")
    pivot, member, alone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    group = uuid.uuid4()
    key = (lambda u: u.hex) if database.backend == "sqlite" else (lambda u: u)
    with database.engine.begin() as connection:
        for doc in (pivot, member, alone):
            _insert(connection, database.backend, doc, doc, None, "email")
        connection.execute(text("INSERT INTO near_duplicate_groups (id, pivot_id, created_at) "
                                "VALUES (:g, :p, CURRENT_TIMESTAMP)"),
                           {"g": key(group), "p": key(pivot)})
        for doc, in_group in ((pivot, group), (member, group), (alone, None)):
            connection.execute(text(
                "INSERT INTO near_duplicates (document_id, group_id, similarity, scheme, "
                "signature, text_length, assigned_at) VALUES (:d, :g, 1.0, 's', :sig, 0, "
                "CURRENT_TIMESTAMP)"),
                {"d": key(doc), "g": None if in_group is None else key(in_group), "sig": b""})
            for band in (1, 2):
                connection.execute(text("INSERT INTO near_duplicate_bands (band, document_id) "
                                        "VALUES (:b, :d)"), {"b": band, "d": key(doc)})
    migrations.upgrade(database.engine)
    with database.engine.connect() as connection:
        kept = connection.execute(text(
            "SELECT band, document_id FROM near_duplicate_bands ORDER BY band")).all()
        members = connection.execute(text("SELECT count(*) FROM near_duplicates")).scalar()
    assert [(b, uuid.UUID(str(d))) for b, d in kept] == [(1, pivot), (2, pivot)]
    assert members == 3  # the members themselves stay in their groups
