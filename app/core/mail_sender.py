"""The outbox's sender: a periodic task ("mail.send") that sends what is due over SMTP.

The server, its port, STARTTLS, the login and the From address come from settings
only; nothing a caller sends can choose where mail goes out. With no server set,
mail stays queued and each message says why. A failed send is tried again with a
backoff; after its last attempt the message is failed (the dead-letter list) and the
give-up is audited, as is each send.

A message is taken by a conditional UPDATE (it must still be queued and due at the
time this sender read), which also gives it its Message-ID, kept across retries.
So two senders never send one message at once. A sender that dies after the server
accepted a message but before recording it sends it again after CLAIM: at least
once, and the repeated Message-ID lets mail programs fold the copies.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import func, select, update

from app.core import audit
from app.core.audit import Actor
from app.core.blobs import BlobStore
from app.core.clock import clock_of
from app.core.hashing import sha256
from app.core.jobs import REGISTRY, Claimed, Services
from app.core.settings import Settings
from app.models import MailStatus, OutboxMessage

log = logging.getLogger("custodia.mail")

EVERY_SECONDS = 60
MAX_ATTEMPTS = 10  # over about six hours with the backoff below
BACKOFF = timedelta(minutes=1)  # after the first failure; doubled after each next one
BACKOFF_MAX = timedelta(hours=2)
CLAIM = timedelta(minutes=10)  # a message being sent is hidden from other senders so long
BATCH = 50
ERROR_CHARS = 2000


def configuration_problem(settings: Settings) -> str:
    """Why mail cannot go out as configured, or "" when it can."""
    if not settings.smtp_host:
        return "not sent yet: no mail server is configured (CUSTODIA_SMTP_HOST)"
    if not settings.mail_from:
        return "not sent yet: no sender address is configured (CUSTODIA_MAIL_FROM)"
    if settings.smtp_username and settings.smtp_password is None:
        return "not sent yet: CUSTODIA_SMTP_USERNAME is set without CUSTODIA_SMTP_PASSWORD"
    return ""


def backoff(attempt: int) -> timedelta:
    """How long a message waits after its `attempt`-th failed try."""
    wait: timedelta = min(BACKOFF * 2 ** (attempt - 1), BACKOFF_MAX)
    return wait


@dataclass(frozen=True)
class Taken:
    id: uuid.UUID
    recipients: list[str]
    subject: str
    text: str
    html: str
    attachments: list[dict[str, Any]]
    message_id: str
    attempt: int


def send_due(services: Services, job: Claimed) -> None:
    """Send every message due now; what fails waits for its next attempt."""
    database, settings = services.database, services.settings
    now = database.clock.now()
    problem = configuration_problem(settings)
    if problem:
        _say_why(services, problem, now)
        return
    while True:  # batch after batch, until nothing is due (a failure is due only later)
        with database.reading() as session:
            due = session.execute(
                select(OutboxMessage.id, OutboxMessage.next_attempt_at).where(
                    OutboxMessage.status == MailStatus.queued,
                    OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at).limit(BATCH)).all()
        for message_id, due_at in due:
            taken = _take(services, message_id, due_at, now) if due_at is not None else None
            if taken is None:
                continue  # another sender has it
            try:
                refused = _deliver(settings, services.store, taken, now)
            except Exception as exc:  # the server, the network or a missing blob: later
                _failed(services, taken, _scrubbed(settings, f"{type(exc).__name__}: {exc}"))
            else:
                _sent(services, taken, refused)
        if len(due) < BATCH:
            return


def _say_why(services: Services, problem: str, now: datetime) -> None:
    with services.database.transaction() as session:
        session.execute(update(OutboxMessage).where(
            OutboxMessage.status == MailStatus.queued, OutboxMessage.next_attempt_at <= now,
            OutboxMessage.last_error != problem).values(last_error=problem)
            .execution_options(synchronize_session=False))
    log.warning("outbound mail waits: %s", problem)


def _take(services: Services, message_id: uuid.UUID, due_at: datetime,
          now: datetime) -> Taken | None:
    domain = services.settings.mail_from.rpartition("@")[2]
    new_id = make_msgid(idstring=uuid.uuid4().hex, domain=domain)
    with services.database.transaction() as session:
        taken = session.execute(
            update(OutboxMessage).where(
                OutboxMessage.id == message_id, OutboxMessage.status == MailStatus.queued,
                OutboxMessage.next_attempt_at == due_at)
            .values(next_attempt_at=now + CLAIM, attempts=OutboxMessage.attempts + 1,
                    message_id=func.coalesce(func.nullif(OutboxMessage.message_id, ""), new_id))
            .execution_options(synchronize_session=False))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = session.get_one(OutboxMessage, message_id)
        return Taken(row.id, list(row.recipients), row.subject, row.body_text, row.body_html,
                     list(row.attachments), row.message_id, row.attempts)


def compose(settings: Settings, store: BlobStore, taken: Taken, now: datetime) -> EmailMessage:
    """The message as it goes out; attachments' bytes from the blob store, checked."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = ", ".join(taken.recipients)
    message["Subject"] = taken.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = taken.message_id
    message.set_content(taken.text)
    if taken.html:
        message.add_alternative(taken.html, subtype="html")
    for attachment in taken.attachments:
        digest = attachment["sha256"]
        try:
            data = store.read(digest)
        except FileNotFoundError:
            raise LookupError(f"attachment {attachment['filename']!r} ({digest}) is not in "
                              "the blob store") from None
        if sha256(data) != digest:
            raise LookupError(f"attachment {attachment['filename']!r} no longer matches "
                              "its SHA-256")
        maintype, _, subtype = attachment["media_type"].partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype,
                               filename=attachment["filename"])
    return message


def _deliver(settings: Settings, store: BlobStore, taken: Taken,
             now: datetime) -> dict[str, str]:
    """Send over SMTP as settings say; returns the recipients the server refused."""
    message = compose(settings, store, taken, now)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                      timeout=settings.smtp_timeout_seconds) as smtp:
        smtp.ehlo()
        if settings.smtp_starttls:  # refuses (SMTPNotSupportedError) a server without it
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_username and settings.smtp_password is not None:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        refused = smtp.send_message(message, from_addr=settings.mail_from,
                                    to_addrs=taken.recipients)
    return {address: f"{code} {reply.decode(errors='replace')}"
            for address, (code, reply) in refused.items()}


def _scrubbed(settings: Settings, error: str) -> str:
    """An error as stored and shown: never the password, whatever the server echoed."""
    if settings.smtp_password is not None and settings.smtp_password.get_secret_value():
        error = error.replace(settings.smtp_password.get_secret_value(), "***")
    return error[:ERROR_CHARS]


def _actor() -> Actor:
    return Actor("system:mail", "local", uuid.uuid4().hex)


def _sent(services: Services, taken: Taken, refused: dict[str, str]) -> None:
    with services.database.transaction() as session:
        row = session.get_one(OutboxMessage, taken.id)
        row.status, row.sent_at, row.next_attempt_at = MailStatus.sent, clock_of(session).now(), None
        row.last_error = ("; ".join(f"refused {a}: {r}" for a, r in refused.items())
                          if refused else "")
        audit.record(session, _actor(), "mail.send", "mail_message", row.id,
                     before={"status": MailStatus.queued}, after={"status": row.status},
                     message_id=row.message_id, recipients=row.recipients, attempt=row.attempts,
                     refused=sorted(refused), about_type=row.about_type, about_id=row.about_id)


def _failed(services: Services, taken: Taken, error: str) -> None:
    with services.database.transaction() as session:
        row = session.get_one(OutboxMessage, taken.id)
        row.last_error = error
        if row.attempts >= MAX_ATTEMPTS:
            row.status, row.next_attempt_at = MailStatus.failed, None
            audit.record(session, _actor(), "mail.give_up", "mail_message", row.id,
                         before={"status": MailStatus.queued}, after={"status": row.status},
                         attempts=row.attempts, error=error, recipients=row.recipients,
                         about_type=row.about_type, about_id=row.about_id)
        else:
            row.next_attempt_at = clock_of(session).now() + backoff(row.attempts)
    log.warning("mail %s not sent (attempt %s): %s", taken.id, taken.attempt, error)


REGISTRY.register("mail.send", send_due, every_seconds=EVERY_SECONDS)
