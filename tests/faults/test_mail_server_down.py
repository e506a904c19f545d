"""The SMTP server is down while mail is due: it waits in the outbox, then goes exactly once."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core import mail_sender, migrations
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.jobs import Services
from app.core.mail import send_later
from app.core.settings import Settings
from app.models import MailStatus, OutboxMessage
from tests.conftest import TEST_SECRET
from tests.search.test_cluster import SERVICES, free_ports

FROM = "records@city.example.org"


class OwnSmtp:
    """The suite's aiosmtpd sink on its own port and outbox, for this test to stop and start."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="custodia-faults-smtp-"))
        self.root.chmod(0o755)
        self.port = free_ports(1)[0]
        self.env = {**os.environ, "CUSTODIA_SERVICES_DIR": str(self.root),
                    "CUSTODIA_SMTP_PORT": str(self.port)}

    def services(self, action: str) -> None:
        done = subprocess.run([str(SERVICES), action, "smtp"], env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr

    def received(self) -> list[str]:
        """The Message-IDs of everything the server accepted, one per stored message."""
        return [str(message_from_bytes(eml.read_bytes(), policy=policy.default)["Message-ID"])
                for eml in sorted(self.root.glob("**/outbox/*.eml"))]


@pytest.fixture
def own_smtp() -> Iterator[OwnSmtp]:
    server = OwnSmtp()
    try:
        yield server
    finally:
        server.services("down")
        shutil.rmtree(server.root, ignore_errors=True)


def test_mail_queued_while_the_server_is_down_is_delivered_once_when_it_is_back(
    tmp_path: Path, clock: FrozenClock, own_smtp: OwnSmtp,
) -> None:
    settings = Settings(env="test", data_dir=tmp_path / "var", secret_key=TEST_SECRET,
                        database_url=f"sqlite:///{tmp_path / 'custodia.db'}",
                        in_process_worker=False, mail_from=FROM, smtp_host="127.0.0.1",
                        smtp_port=own_smtp.port, smtp_starttls=False, smtp_timeout_seconds=10)
    database = Database(settings.database_url, clock)
    migrations.upgrade(database.engine)
    services = Services.open(settings, database)
    with database.transaction() as session:
        queued = [send_later(session, [f"custodian{n}@example.org"], f"Legal hold notice {n}",
                             "You are a custodian.\n", about=("legal_hold", f"H-{n}")).id
                  for n in range(5)]

    mail_sender.send_due(services, {})  # nothing listens on the port
    with database.reading() as session:
        waiting = list(session.scalars(select(OutboxMessage)))
    assert len(waiting) == 5
    assert all(m.status == MailStatus.queued and m.attempts == 1 for m in waiting)
    assert all(m.last_error.startswith("ConnectionRefusedError") for m in waiting)
    message_ids = sorted(m.message_id for m in waiting)
    assert len(set(message_ids)) == 5 and all(message_ids)

    own_smtp.services("up")
    clock.advance(minutes=1)  # the backoff after the first failure
    mail_sender.send_due(services, {})
    with database.reading() as session:
        sent = {m.id: m for m in session.scalars(select(OutboxMessage))}
    assert set(sent) == set(queued)
    assert all(m.status == MailStatus.sent and m.attempts == 2 for m in sent.values())
    assert sorted(own_smtp.received()) == message_ids  # each once, under the queued Message-ID

    clock.advance(hours=3)
    mail_sender.send_due(services, {})
    assert sorted(own_smtp.received()) == message_ids  # nothing more
    database.dispose()
