"""Mail connections: mail-server accounts an administrator sets up and clerks pick by name.

The password is encrypted at rest with the credentials key (app.core.secrets) and
is never shown, logged or audited again. No field of any request names an
environment variable or a host that an administrator did not enter.
"""

from __future__ import annotations

import uuid

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit import Actor
from app.core.errors import BadRequest, Conflict, NotFound
from app.models import MailConnection


class UnknownConnection(BadRequest):
    code = "unknown_mail_connection"


def snapshot(connection: MailConnection) -> dict[str, object]:
    """What the trail records of a connection: everything but the password."""
    return {"name": connection.name, "host": connection.host, "port": connection.port,
            "security": connection.security, "username": connection.username}


def listing(session: Session) -> list[MailConnection]:
    return list(session.scalars(select(MailConnection).order_by(MailConnection.name)))


def create(session: Session, actor: Actor, key: Fernet, name: str, host: str, port: int,
           security: str, username: str, password: str) -> MailConnection:
    if session.scalar(select(MailConnection).where(MailConnection.name == name)) is not None:
        raise Conflict(f"There is already a mail connection named {name}.")
    connection = MailConnection(
        name=name, host=host, port=port, security=security, username=username,
        password_encrypted=key.encrypt(password.encode()).decode(), created_by=actor.name)
    session.add(connection)
    session.flush()
    audit.record(session, actor, "ingest.connection_create", "mail_connection", connection.id,
                 after=snapshot(connection))
    return connection


def delete(session: Session, actor: Actor, connection_id: uuid.UUID) -> None:
    """Queued jobs that name it fail when a worker takes them, saying so."""
    connection = session.get(MailConnection, connection_id)
    if connection is None:
        raise NotFound("No mail connection with that id.")
    before = snapshot(connection)
    session.delete(connection)
    session.flush()
    audit.record(session, actor, "ingest.connection_delete", "mail_connection", connection_id,
                 before=before)


def source(session: Session, name: str, folders: list[str] | None) -> dict[str, object]:
    """The job source for `folders` of the connection `name`, or a 400 naming the connections."""
    found = listing(session)
    connection = next((c for c in found if c.name == name), None)
    if connection is None:
        known = ", ".join(c.name for c in found) or "none yet: an administrator sets them up"
        raise UnknownConnection(f"There is no mail connection named {name!r}. Mail "
                                f"connections: {known}.", connections=[c.name for c in found])
    return {"type": "imap", "connection": connection.name, "connection_id": str(connection.id),
            "folders": folders}
