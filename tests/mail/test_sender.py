"""The outbox's sender against real SMTP servers: the test sink, and one we stop and start."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr
from sqlalchemy import select

from app.core import mail_sender
from app.core.clock import FrozenClock
from app.core.jobs import REGISTRY, Services
from app.core.mail import Attachment, send_later
from app.core.worker import work
from app.models import AuditEntry, MailStatus, OutboxMessage
from tests.services.test_smtp import SMTP_PASSWORD, SMTP_USER, find_in_outbox, remove_from_outbox

FROM = "records@city.example.org"


def configured(services: Services, **smtp: Any) -> Services:
    """The services with outbound mail set as an administrator would in the environment."""
    settings = services.settings.model_copy(update={"mail_from": FROM, "smtp_starttls": False,
                                                    "smtp_timeout_seconds": 10, **smtp})
    return Services(settings, services.database, services.store)


def sink(smtp_url: str, **smtp: Any) -> dict[str, Any]:
    parts = urlsplit(smtp_url)
    return {"smtp_host": parts.hostname, "smtp_port": parts.port, **smtp}


def queue(services: Services, *, about: tuple[str, str] = ("records_request", "R-2026-001"),
          attachments: tuple[Attachment, ...] = ()) -> uuid.UUID:
    with services.database.transaction() as session:
        return send_later(session, ["requester@example.org", "copy@example.org"],
                          f"Your records request {uuid.uuid4().hex[:6]}", "Dear requester,\n",
                          html="<p>Dear requester,</p>", attachments=attachments, about=about).id


def row(services: Services, message_id: uuid.UUID) -> OutboxMessage:
    with services.database.reading() as session:
        return session.get_one(OutboxMessage, message_id)


def audit_of(services: Services) -> list[tuple[str, dict[str, Any]]]:
    with services.database.reading() as session:
        return [(e.action, e.details) for e in
                session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


class Inbox:
    """An SMTP server of our own on a loopback port, to stop and start."""

    def __init__(self, port: int) -> None:
        self.port, self.received = port, list[bytes]()
        self.controller: Controller | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.received.append(envelope.content)
        return "250 OK"

    def start(self, **server: Any) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **server)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def inbox(unused_port: int) -> Iterator[Inbox]:
    server = Inbox(unused_port)
    yield server
    server.stop()


def test_a_queued_message_is_sent_through_the_worker_to_the_real_server(
        services: Services, smtp_url: str, smtp_outbox: Path) -> None:
    services = configured(services, **sink(smtp_url, smtp_username=SMTP_USER,
                                           smtp_password=SecretStr(SMTP_PASSWORD)))
    letter = b"%PDF-1.4 acknowledgement letter\n"
    digest = services.store.put(letter)
    message_id = queue(services, attachments=(Attachment("ack.pdf", digest, "application/pdf"),))
    assert work(services, "w1", REGISTRY) >= 1  # mail.send is due at once, as a periodic job
    sent = row(services, message_id)
    assert sent.status == MailStatus.sent and sent.attempts == 1 and sent.last_error == ""
    assert sent.sent_at == services.database.clock.now() and sent.next_attempt_at is None
    assert sent.message_id.startswith("<") and sent.message_id.endswith("@city.example.org>")
    data, envelope = find_in_outbox(smtp_outbox, sent.message_id)
    try:
        assert envelope["mail_from"] == FROM and envelope["auth_login"] == SMTP_USER
        assert sorted(envelope["rcpt_tos"]) == ["copy@example.org", "requester@example.org"]
        received = message_from_bytes(data, policy=policy.default)
        assert isinstance(received, EmailMessage)
        assert received["Subject"] == sent.subject and received["From"] == FROM
        parts = {p.get_content_type(): p for p in received.walk()}
        assert parts["text/html"].get_content().strip() == "<p>Dear requester,</p>"
        assert parts["application/pdf"].get_filename() == "ack.pdf"
        assert parts["application/pdf"].get_content() == letter
    finally:
        remove_from_outbox(smtp_outbox, envelope)
    actions = audit_of(services)
    assert [a for a, _ in actions] == ["mail.send"]
    assert actions[0][1]["message_id"] == sent.message_id
    assert actions[0][1]["about_id"] == "R-2026-001"


def test_with_no_server_configured_mail_stays_queued_and_says_why(services: Services) -> None:
    message_id = queue(services)
    mail_sender.send_due(services, {})
    waiting = row(services, message_id)
    assert waiting.status == MailStatus.queued and waiting.attempts == 0
    assert "CUSTODIA_SMTP_HOST" in waiting.last_error
    no_sender = configured(services, smtp_host="127.0.0.1", mail_from="")
    mail_sender.send_due(no_sender, {})
    assert "CUSTODIA_MAIL_FROM" in row(services, message_id).last_error
    assert audit_of(services) == []


def test_the_server_down_then_up_retries_with_the_same_message_id(
        services: Services, clock: FrozenClock, inbox: Inbox) -> None:
    services = configured(services, smtp_host="127.0.0.1", smtp_port=inbox.port)
    message_id = queue(services)
    mail_sender.send_due(services, {})  # nothing listens on the port yet
    waiting = row(services, message_id)
    assert waiting.status == MailStatus.queued and waiting.attempts == 1
    assert waiting.last_error.startswith("ConnectionRefusedError")
    assert waiting.next_attempt_at == clock.now() + timedelta(minutes=1)
    first_id = waiting.message_id
    assert first_id
    inbox.start()
    mail_sender.send_due(services, {})  # not due yet: the backoff holds
    assert inbox.received == []
    clock.advance(minutes=1)
    mail_sender.send_due(services, {})
    sent = row(services, message_id)
    assert (sent.status, sent.attempts, sent.message_id) == (MailStatus.sent, 2, first_id)
    assert len(inbox.received) == 1
    assert message_from_bytes(inbox.received[0], policy=policy.default)["Message-ID"] == first_id
    mail_sender.send_due(services, {})
    assert len(inbox.received) == 1  # sent once
    assert [a for a, _ in audit_of(services)] == ["mail.send"]


def test_after_its_last_attempt_a_message_is_failed_and_the_give_up_audited(
        services: Services, clock: FrozenClock, unused_port: int) -> None:
    services = configured(services, smtp_host="127.0.0.1", smtp_port=unused_port)
    message_id = queue(services)
    waits = []
    for _ in range(mail_sender.MAX_ATTEMPTS):
        mail_sender.send_due(services, {})
        waiting = row(services, message_id)
        if waiting.next_attempt_at is not None:
            waits.append(waiting.next_attempt_at - clock.now())
            clock.set(waiting.next_attempt_at)
    failed = row(services, message_id)
    assert (failed.status, failed.attempts) == (MailStatus.failed, mail_sender.MAX_ATTEMPTS)
    assert failed.next_attempt_at is None and "ConnectionRefused" in failed.last_error
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == timedelta(hours=2)
    actions = audit_of(services)
    assert [a for a, _ in actions] == ["mail.give_up"]
    assert actions[0][1]["attempts"] == mail_sender.MAX_ATTEMPTS
    clock.advance(days=1)
    mail_sender.send_due(services, {})
    assert row(services, message_id).attempts == mail_sender.MAX_ATTEMPTS


def test_a_refused_login_is_recorded_without_the_password(services: Services,
                                                          smtp_url: str) -> None:
    secret = "never-show-this-" + uuid.uuid4().hex
    services = configured(services, **sink(smtp_url, smtp_username=SMTP_USER,
                                           smtp_password=SecretStr(secret)))
    message_id = queue(services)
    mail_sender.send_due(services, {})
    waiting = row(services, message_id)
    assert waiting.status == MailStatus.queued and "SMTPAuthenticationError" in waiting.last_error
    assert secret not in waiting.last_error
    assert secret not in repr(services.settings) and secret not in str(services.settings)


def test_starttls_required_and_not_offered_sends_nothing_in_the_clear(
        services: Services, inbox: Inbox) -> None:
    inbox.start()  # speaks no STARTTLS
    services = configured(services, smtp_host="127.0.0.1", smtp_port=inbox.port,
                          smtp_starttls=True, smtp_username="clerk",
                          smtp_password=SecretStr("s3cret-pw"))
    message_id = queue(services)
    mail_sender.send_due(services, {})
    waiting = row(services, message_id)
    assert "STARTTLS" in waiting.last_error and "s3cret-pw" not in waiting.last_error
    assert inbox.received == []


def test_an_attachment_missing_from_the_blob_store_is_a_recorded_failure(
        services: Services, inbox: Inbox) -> None:
    inbox.start()
    services = configured(services, smtp_host="127.0.0.1", smtp_port=inbox.port)
    message_id = queue(services, attachments=(Attachment("gone.pdf", "cd" * 32, "application/pdf"),))
    mail_sender.send_due(services, {})
    waiting = row(services, message_id)
    assert waiting.status == MailStatus.queued and "not in the blob store" in waiting.last_error
    assert inbox.received == []


def test_one_pass_sends_more_than_a_batch(services: Services, inbox: Inbox) -> None:
    inbox.start()
    services = configured(services, smtp_host="127.0.0.1", smtp_port=inbox.port)
    ids = [queue(services) for _ in range(mail_sender.BATCH + 3)]
    mail_sender.send_due(services, {})
    assert len(inbox.received) == len(ids)
    assert {row(services, i).status for i in ids} == {MailStatus.sent}


def self_signed(folder: Path) -> ssl.SSLContext:
    """A TLS context with a certificate no certificate authority signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    cert, private = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, private)
    return context


def test_starttls_to_a_server_whose_certificate_is_not_trusted_sends_nothing(
        services: Services, inbox: Inbox, tmp_path: Path) -> None:
    logins: list[str] = []

    def authenticator(*args: Any) -> AuthResult:
        logins.append("tried")
        return AuthResult(success=True)

    inbox.start(tls_context=self_signed(tmp_path), require_starttls=True,
                authenticator=authenticator, auth_require_tls=True)
    services = configured(services, smtp_host="127.0.0.1", smtp_port=inbox.port,
                          smtp_starttls=True, smtp_username="clerk",
                          smtp_password=SecretStr("s3cret-pw"))
    message_id = queue(services)
    mail_sender.send_due(services, {})
    waiting = row(services, message_id)
    assert "CERTIFICATE_VERIFY_FAILED" in waiting.last_error, waiting.last_error
    assert waiting.status == MailStatus.queued and waiting.attempts == 1
    assert logins == [] and inbox.received == []
