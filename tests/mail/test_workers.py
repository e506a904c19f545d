"""Both workers send queued mail: `custodia worker` and the embedded in-process worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from app.core import migrations
from app.core.db import Database
from app.core.mail import send_later
from app.core.settings import Settings
from app.main import create_app
from app.models import MailStatus, OutboxMessage
from tests.conftest import TEST_SECRET
from tests.services.test_smtp import find_in_outbox, remove_from_outbox

CUSTODIA = str(Path(sys.executable).parent / "custodia")
FROM = "records@city.example.org"


def queued(url: str, subject: str) -> tuple[Database, object]:
    database = Database(url)
    migrations.upgrade(database.engine)
    with database.transaction() as session:
        message_id = send_later(session, ["requester@example.org"], subject, "Hello.\n").id
    return database, message_id


def status_of(database: Database, message_id: object) -> OutboxMessage:
    with database.reading() as session:
        return session.get_one(OutboxMessage, message_id)


def test_custodia_worker_once_sends_queued_mail(tmp_path: Path, smtp_url: str,
                                                smtp_outbox: Path) -> None:
    url = f"sqlite:///{tmp_path / 'custodia.db'}"
    database, message_id = queued(url, "Sent by custodia worker")
    parts = urlsplit(smtp_url)
    env = {**os.environ, "CUSTODIA_DATA_DIR": str(tmp_path / "var"), "CUSTODIA_DATABASE_URL": url,
           "CUSTODIA_SMTP_HOST": str(parts.hostname), "CUSTODIA_SMTP_PORT": str(parts.port),
           "CUSTODIA_SMTP_STARTTLS": "false", "CUSTODIA_MAIL_FROM": FROM}
    done = subprocess.run([CUSTODIA, "worker", "--once"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    sent = status_of(database, message_id)
    database.dispose()
    assert sent.status == MailStatus.sent, sent.last_error
    _, envelope = find_in_outbox(smtp_outbox, sent.message_id)
    remove_from_outbox(smtp_outbox, envelope)


def test_the_in_process_worker_sends_queued_mail(tmp_path: Path, smtp_url: str,
                                                 smtp_outbox: Path) -> None:
    url = f"sqlite:///{tmp_path / 'custodia.db'}"
    database, message_id = queued(url, "Sent by the in-process worker")
    parts = urlsplit(smtp_url)
    settings = Settings(env="test", data_dir=tmp_path / "var", database_url=url,
                        secret_key=TEST_SECRET, in_process_worker=True,
                        smtp_host=str(parts.hostname), smtp_port=parts.port or 25,
                        smtp_starttls=False, mail_from=FROM)
    settings.data_dir.mkdir(parents=True)
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 60
        while (sent := status_of(database, message_id)).status == MailStatus.queued:
            assert time.monotonic() < deadline, f"never sent: {sent.last_error}"
            time.sleep(0.2)
    database.dispose()
    assert sent.status == MailStatus.sent
    _, envelope = find_in_outbox(smtp_outbox, sent.message_id)
    remove_from_outbox(smtp_outbox, envelope)
