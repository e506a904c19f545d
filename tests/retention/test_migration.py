"""0013_retention files every stored document under its family's class and keeps the
hold triggers (added in place: a rebuilt SQLite table would lose them)."""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core import migrations
from app.core.db import Database


def _insert(connection: object, backend: str, doc: uuid.UUID, family: uuid.UUID,
            parent: uuid.UUID | None, kind: str) -> None:
    def key(value: uuid.UUID | None) -> object:
        return None if value is None else (value.hex if backend == "sqlite" else value)

    connection.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO documents (id, kind, family_id, parent_id, position, native_format, "
        "content_type, filename, size, subject, recipients, date_header, message_id, "
        "in_reply_to, \"references\", thread_id, text_status, extract_error, "
        "extract_attempts, generation, index_error, created_at) VALUES (:id, :kind, :family, "
        ":parent, 0, '', '', '', 0, '', '{}', '', '', '', '[]', '', 'empty', '', 0, 1, '', "
        "CURRENT_TIMESTAMP)"),
        {"id": key(doc), "kind": kind, "family": key(family), "parent": key(parent)})


def test_the_backfill_gives_each_family_its_heads_class(database_url: str) -> None:
    database = Database(database_url)
    migrations.upgrade(database.engine, "0012_people_and_holds")
    mail, voicemail = uuid.uuid4(), uuid.uuid4()
    attachment, audio, nested = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with database.engine.begin() as connection:
        _insert(connection, database.backend, mail, mail, None, "email")
        _insert(connection, database.backend, attachment, mail, mail, "attachment")
        _insert(connection, database.backend, nested, mail, attachment, "email")
        _insert(connection, database.backend, voicemail, voicemail, None, "voicemail")
        _insert(connection, database.backend, audio, voicemail, voicemail, "attachment")
    migrations.upgrade(database.engine)
    with database.engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT id, record_class FROM documents")).all())
    found = {(uuid.UUID(str(k)) if not isinstance(k, uuid.UUID) else k): v
             for k, v in rows.items()}
    assert found == {mail: "email", attachment: "email", nested: "email",
                     voicemail: "voicemail", audio: "voicemail"}

    hold = uuid.uuid4()
    value = (lambda u: u.hex) if database.backend == "sqlite" else (lambda u: u)
    with database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO holds (id, matter_name, matter_number, description, attorney, status, "
            "query, sources, scope_version, released_reason, version, created_at) VALUES "
            "(:id, 'Matter', '', '', 'counsel', 'active', '', '[]', 1, '', 1, "
            "CURRENT_TIMESTAMP)"), {"id": value(hold)})
        connection.execute(text(
            "INSERT INTO held_documents (hold_id, document_id, held_at) VALUES "
            "(:hold, :doc, CURRENT_TIMESTAMP)"), {"hold": value(hold), "doc": value(audio)})
    with pytest.raises(DBAPIError, match="legal hold"), database.engine.begin() as connection:
        connection.execute(text("DELETE FROM documents WHERE id = :id"), {"id": value(audio)})

    config = migrations.alembic_config(database.engine)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012_people_and_holds")
    with pytest.raises(DBAPIError, match="legal hold"), database.engine.begin() as connection:
        connection.execute(text("DELETE FROM documents WHERE id = :id"), {"id": value(audio)})
    database.dispose()
