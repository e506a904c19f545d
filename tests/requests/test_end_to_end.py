"""One records request from intake to its closing letter, through the API alone.

Intake, a search into the review set, tags by the clerk and the attorney, the fee
estimate, the time, the invoice and its payment, the decision and the closing letter,
which the worker sends to the real SMTP server. Then the whole history is in the
audit trail, and `custodia audit verify` passes.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from pydantic import SecretStr
from pypdf import PdfReader
from sqlalchemy import select

from app import tasks
from app.core.audit import Actor
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.jobs import Services
from app.core.settings import Settings
from app.core.worker import work
from app.demo.generator import generate
from app.main import create_app
from app.models import AuditEntry, OutboxMessage, Role
from ingest import indexer, jobs
from ingest.runtime import Runtime
from tests.conftest import TEST_PASSWORD, MakeUser
from tests.services.test_smtp import SMTP_PASSWORD, SMTP_USER, find_in_outbox, remove_from_outbox

TUESDAY_9AM = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 09:00 in Denver
CUSTODIA = str(Path(sys.executable).parent / "custodia")


def ingest_demo(settings: Settings, database: Database, folder: Path, actor: Actor) -> None:
    """The demo city's mailboxes, ingested and indexed as the workers would."""
    generate(folder, messages=40)
    runtime = Runtime.open(settings, database)
    for box in sorted((folder / "mail").iterdir()):
        with database.transaction() as session:
            job_id = jobs.create_job(session, actor, box.name,
                                     {"type": "path", "paths": [str(box)]}).id
        runner = runtime.runner(worker="test")
        assert jobs.run_now(runner, job_id).status == "done"
    indexer.index_pending(database, runtime.engine, settings.time_zone)


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def test_a_request_from_intake_to_its_closing_letter(
    settings: Settings, database: Database, make_user: MakeUser, actor: Actor, tmp_path: Path,
    smtp_url: str, smtp_outbox: Path,
) -> None:
    sink = urlsplit(smtp_url)
    settings = settings.model_copy(update={
        "smtp_host": sink.hostname, "smtp_port": sink.port, "smtp_starttls": False,
        "smtp_username": SMTP_USER, "smtp_password": SecretStr(SMTP_PASSWORD),
        "mail_from": "records@city.example.org"})
    ingest_demo(settings, database, tmp_path / "demo", actor)
    clerk, attorney = make_user(Role.clerk), make_user(Role.attorney)
    clock = FrozenClock(TUESDAY_9AM)
    app = create_app(settings, clock)
    with TestClient(app) as api:
        def signed_in(username: str) -> dict[str, str]:
            token = ok(api.post("/api/v1/auth/token",
                                data={"username": username, "password": TEST_PASSWORD}))
            return {"Authorization": f"Bearer {token['access_token']}"}

        as_clerk, as_attorney = signed_in(clerk.username), signed_in(attorney.username)

        # Intake: received now, Tuesday 09:00; due three working days later, the day not counted.
        made = ok(api.post("/api/v1/requests", headers=as_clerk, json={
            "requester_name": "Robin Reporter", "requester_email": "robin@example.org",
            "requester_organization": "Valley Ledger", "category": "news_media",
            "description": "E-mail about budget amendments, 2026", "channel": "web",
            "departments": ["Finance"]}), 201)
        request_id, url = made["id"], f"/api/v1/requests/{made['id']}"
        assert made["due_date"] == "2026-12-04" and made["status"] == "received"
        assert made["clock"]["days"], "the answer explains its due date"
        ok(api.post(f"{url}/letters", headers=as_clerk, json={"kind": "acknowledgement"}), 201)

        # Collection: a search fills the review set, families with it.
        added = ok(api.post(f"{url}/review-set/searches", headers=as_clerk,
                            json={"query": "budget"}))
        assert added["hits"] > 0 and added["total"] >= added["hits"]
        items = ok(api.get(f"{url}/review-set?limit=100", headers=as_clerk))["items"]
        assert len(items) == added["total"]

        # Review: the clerk marks all responsive; the attorney withholds one as exempt.
        ok(api.post(f"{url}/review-set/tags", headers=as_clerk,
                    json={"tag": "responsive", "query": "budget"}))
        withheld = items[0]["document"]["id"]
        ok(api.post(f"{url}/review-set/tags", headers=as_attorney, json={
            "tag": "exempt", "citation": "24-72-204(3)(a)(IV)", "document_ids": [withheld],
            "note": "confidential commercial data"}))
        progress = ok(api.get(f"{url}/review-set/progress", headers=as_clerk))
        assert progress["total"] == added["total"] and progress["tags"]["exempt"] == 1

        # Fees: the live estimate from the set's size, issued; then the work and its invoice.
        estimate = ok(api.get(f"{url}/fees/estimate", headers=as_clerk))
        ok(api.post(f"{url}/fees/estimates", headers=as_clerk, json={}), 201)
        request = ok(api.get(url, headers=as_clerk))
        ok(api.post(f"{url}/transitions", headers=as_clerk, json={
            "to": "awaiting_payment", "reason": "estimate sent",
            "version": request["version"]}))
        ok(api.post(f"{url}/time", headers=as_clerk, json={
            "minutes": 90, "worked_on": "2026-12-01", "note": "searched and reviewed"}), 201)
        invoice = ok(api.post(f"{url}/fees/invoices", headers=as_clerk,
                              json={"delivery": "email"}), 201)
        assert invoice["amount"] == "20.68"  # 30 billable minutes at $41.37 an hour, by e-mail
        assert estimate["lines"], "the estimate explains itself"

        # Payment on Wednesday 10:00: the records are due three working days after it.
        clock.set(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
        ok(api.post(f"{url}/fees/payments", headers=as_clerk, json={
            "amount": "20.68", "method": "check", "received_at": clock.now().isoformat()}), 201)
        paid = ok(api.get(url, headers=as_clerk))
        assert paid["status"] == "in_progress"
        assert paid["delivery_due_date"] == paid["current_due_date"] == "2026-12-07"

        # The decision and the closing letter.
        ok(api.post(f"{url}/transitions", headers=as_clerk, json={
            "to": "partially_denied", "reason": "one record withheld under (3)(a)(IV)",
            "version": paid["version"]}))
        # The partial denial cites the ground the attorney tagged, without being told it again.
        denial = ok(api.post(f"{url}/letters", headers=as_clerk,
                             json={"kind": "denial", "partial": True}), 201)
        denied = api.get(f"{url}/letters/{denial['id']}.html", headers=as_clerk).text
        assert "24-72-204(3)(a)(IV)" in denied
        closing = ok(api.post(f"{url}/letters", headers=as_clerk, json={"kind": "closing"}), 201)
        assert closing["delivery"] == "queued"

    # The worker sends the letters to the real SMTP server.
    tasks.load()  # what `custodia worker` runs: mail.send among them
    services = Services.open(settings, app.state.database)
    assert work(services, "e2e") >= 1
    with app.state.database.reading() as session:
        mail = {m.subject: m for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.about_id == request_id))}
        assert len(mail) == 3  # the acknowledgement, the partial denial, the closing letter
        sent = mail[closing["subject"]]
        assert sent.status == "sent", sent.last_error
        message_id = sent.message_id
    data, envelope = find_in_outbox(smtp_outbox, message_id)
    try:
        assert envelope["rcpt_tos"] == ["robin@example.org"]
        received = message_from_bytes(data, policy=policy.default)
        assert isinstance(received, EmailMessage)
        pdf = next(p for p in received.walk() if p.get_content_type() == "application/pdf")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_content())).pages)
        assert made["number"] in text
    finally:
        remove_from_outbox(smtp_outbox, envelope)

    # The whole history is in the trail, chained; `custodia audit verify` agrees.
    with database.reading() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    for action in ("request.create", "letter.create", "search.run", "review_set.add",
                   "review_tag.set", "fee.time_logged", "fee.invoice", "request.transition",
                   "fees.paid_in_full", "request.paid", "mail.send"):
        assert action in actions, (action, actions)
    verified = subprocess.run(
        [CUSTODIA, "audit", "verify"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "CUSTODIA_DATA_DIR": str(settings.data_dir),
             "CUSTODIA_DATABASE_URL": settings.resolved_database_url})
    assert verified.returncode == 0, verified.stderr
    assert "Audit trail intact" in verified.stdout
