"""The trail is append-only and any change behind the application's back is caught."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from app.audit import service as audit_trail
from app.core import audit, migrations
from app.core.audit import Actor
from app.core.db import Database
from app.models import AuditEntry


def append(database: Database, actor: Actor, count: int) -> None:
    with database.transaction() as session:
        for number in range(count):
            audit.record(session, actor, "test.step", "thing", number, before={"n": number},
                         after={"n": number + 1})


def verdict(database: Database) -> audit_trail.Verdict:
    with database.reading() as session:
        return audit_trail.verify(session)


def behind_the_back(database: Database, *statements: str) -> None:
    """Tamper as an attacker with database access would: drop the guard, then edit."""
    with database.engine.begin() as connection:
        if database.backend == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_entries DISABLE TRIGGER USER")
            for statement in statements:
                connection.exec_driver_sql(statement)
            connection.exec_driver_sql("ALTER TABLE audit_entries ENABLE TRIGGER USER")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_entries_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_entries_no_delete")
            for statement in statements:
                connection.exec_driver_sql(statement)


def test_an_untouched_chain_verifies(database: Database, actor: Actor) -> None:
    append(database, actor, 5)
    result = verdict(database)
    assert result.intact
    assert result.entries_checked == 5
    assert result.head_seq == 5
    assert result.first_broken_seq is None


def test_entries_record_who_what_when_where(database: Database, actor: Actor) -> None:
    with database.transaction() as session:
        audit.record(session, actor, "thing.rename", "thing", 7,
                     before={"name": "a"}, after={"name": "b"})
    with database.reading() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.client_address, entry.request_id) == (
        "test-runner", "127.0.0.1", "test-request")
    assert entry.details == {"before": {"name": "a"}, "after": {"name": "b"}}
    assert entry.occurred_at.utcoffset() is not None
    assert entry.object_id == "7"


def test_a_rolled_back_change_leaves_no_entry(database: Database, actor: Actor) -> None:
    with pytest.raises(RuntimeError), database.transaction() as session:
        audit.record(session, actor, "thing.rename", "thing", 1)
        raise RuntimeError("the change failed")
    append(database, actor, 1)
    with database.reading() as session:
        assert session.scalars(select(AuditEntry.object_id)).all() == ["0"]
    assert verdict(database).intact


def test_a_read_appends_its_entry_when_it_ends(database: Database, actor: Actor) -> None:
    """A read holds no write lock: its entry is written after it, in a short transaction."""
    with database.reading() as session:
        audit.record(session, actor, "thing.view", "thing", 1)
        audit.record(session, actor, "thing.view", "thing", 2)
        with database.reading() as other:  # nothing is written while the read goes on
            assert other.scalars(select(AuditEntry)).all() == []
    with database.reading() as session:
        assert session.scalars(select(AuditEntry.seq)).all() == [1, 2]
    assert verdict(database).intact


def test_a_failed_read_appends_nothing(database: Database, actor: Actor) -> None:
    with pytest.raises(LookupError), database.reading() as session:
        audit.record(session, actor, "thing.view", "thing", 1)
        raise LookupError("no such thing")
    with database.reading() as session:
        assert session.scalars(select(AuditEntry)).all() == []


def test_a_read_cannot_change_rows(database: Database, actor: Actor) -> None:
    with pytest.raises(RuntimeError, match="read transaction"), database.reading() as session:
        session.add(AuditEntry(seq=1, occurred_at=database.clock.now(), actor="x", action="x",
                               object_type="x", object_id="x", client_address="x",
                               request_id="x", details={}, prev_hash="0", hash="0"))
        session.flush()


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET actor = 'someone else' WHERE seq = 2",
    "DELETE FROM audit_entries WHERE seq = 2",
])
def test_the_database_refuses_changes(database: Database, actor: Actor, statement: str) -> None:
    append(database, actor, 3)
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.exec_driver_sql(statement)
    assert verdict(database).intact


def test_postgres_refuses_truncate(fresh_postgres: str, actor: Actor) -> None:
    database = Database(fresh_postgres)
    migrations.upgrade(database.engine)
    append(database, actor, 2)
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
        connection.exec_driver_sql("TRUNCATE audit_entries")
    database.dispose()


# case: (statements, first entry named as broken, entries verified intact before it)
TAMPERING: dict[str, tuple[list[str], int, int]] = {
    "changed details": (["UPDATE audit_entries SET details = '{\"after\": {\"n\": 99}}' "
                         "WHERE seq = 3"], 3, 2),
    "changed actor": (["UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2"], 2, 1),
    "changed time": (["UPDATE audit_entries SET occurred_at = occurred_at - INTERVAL '1 day' "
                      "WHERE seq = 4"], 4, 3),
    "deleted entry": (["DELETE FROM audit_entries WHERE seq = 3"], 4, 2),
    "swapped order": ([
        "UPDATE audit_entries SET seq = 100 WHERE seq = 2",
        "UPDATE audit_entries SET seq = 2 WHERE seq = 3",
        "UPDATE audit_entries SET seq = 3 WHERE seq = 100",
    ], 2, 1),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_is_caught_and_named(database: Database, actor: Actor, case: str) -> None:
    append(database, actor, 5)
    statements, first_broken, intact_before = TAMPERING[case]
    if database.backend == "sqlite":
        statements = [s.replace("occurred_at - INTERVAL '1 day'",
                                "datetime(occurred_at, '-1 day')") for s in statements]
    behind_the_back(database, *statements)
    result = verdict(database)
    assert not result.intact
    assert result.first_broken_seq == first_broken
    assert result.entries_checked == intact_before
    assert result.problem


def test_appends_after_tampering_do_not_hide_it(database: Database, actor: Actor) -> None:
    append(database, actor, 3)
    behind_the_back(database, "UPDATE audit_entries SET action = 'x' WHERE seq = 1")
    append(database, actor, 2)
    assert verdict(database).first_broken_seq == 1
