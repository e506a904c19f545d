"""Hold notices reach custodians through the real SMTP server: acknowledgement by link,
reminders and escalation on a controlled clock, a new notice on rescope, a release notice."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from pypdf import PdfReader
from sqlalchemy import select

from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.jobs import Services
from app.core.settings import Settings
from app.core.worker import work
from app.main import create_app
from app.models import MailStatus, NoticeKind, OutboxMessage, Person, PersonEmail, Role
from tests.conftest import TEST_PASSWORD, MakeUser
from tests.holds.conftest import Headers, Ingest, create_hold, issue, release
from tests.services.test_smtp import SMTP_PASSWORD, SMTP_USER, find_in_outbox, remove_from_outbox

MONDAY = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
LINK = re.compile(r"https://records\.springvale\.example/portal/acknowledgements/(\S+)")


class City:
    def __init__(self, api: TestClient, database: Database, services: Services, clock: FrozenClock,
                 outbox: Path, attorney: str, people: dict[str, str]) -> None:
        self.api, self.database, self.services, self.clock = api, database, services, clock
        self.outbox, self.username, self.people = outbox, attorney, people
        self.seen: set[uuid.UUID] = set()

    @property
    def attorney(self) -> Headers:
        """Signed in now (on this clock, a sign-in from weeks ago has expired)."""
        token = self.api.post("/api/v1/auth/token", data={"username": self.username,
                                                          "password": TEST_PASSWORD})
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    def delivered(self) -> dict[str, list[EmailMessage]]:
        """Run the worker twice, a minute apart (mail it queued goes at the next "mail.send"),
        then what reached the SMTP server since last asked, by recipient."""
        work(self.services, "holds-test")
        self.clock.advance(seconds=61)
        work(self.services, "holds-test")
        with self.database.reading() as session:
            rows = [m for m in session.scalars(select(OutboxMessage).where(
                OutboxMessage.about_type == "hold")) if m.id not in self.seen]
        mail: dict[str, list[EmailMessage]] = {}
        for row in rows:
            assert row.status == MailStatus.sent, row.last_error
            self.seen.add(row.id)
            data, envelope = find_in_outbox(self.outbox, row.message_id)
            remove_from_outbox(self.outbox, envelope)
            received = message_from_bytes(data, policy=policy.default)
            assert isinstance(received, EmailMessage)
            mail.setdefault(envelope["rcpt_tos"][0], []).append(received)
        return mail


def token_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found, body.get_content()
    return found.group(1)


@pytest.fixture
def city(settings: Settings, database: Database, smtp_url: str, smtp_outbox: Path,
         make_user: MakeUser, ingest_mail: Ingest,
         person: Callable[[str, str], uuid.UUID]) -> Iterator[City]:
    sink = urlsplit(smtp_url)
    settings = settings.model_copy(update={
        "smtp_host": sink.hostname, "smtp_port": sink.port, "smtp_starttls": False,
        "smtp_username": SMTP_USER, "smtp_password": SecretStr(SMTP_PASSWORD),
        "mail_from": "legal@springvale.example", "city_name": "City of Springvale",
        "public_url": "https://records.springvale.example"})
    people = {"dana": person("Dana Reyes", "dreyes"), "lee": person("Lee Okafor", "lokafor"),
              "sam": person("Sam Ortiz", "sortiz")}
    with database.transaction() as session:
        for name, address in (("dana", "dreyes@springvale.example"),
                              ("lee", "lokafor@springvale.example"),
                              ("sam", "sortiz@springvale.example")):
            session.add(PersonEmail(address=address, person_id=people[name], current=True))
        session.add(PersonEmail(address="lee.old@springvale.example", person_id=people["lee"],
                                current=False))
        session.get_one(Person, people["lee"]).supervisor_id = people["sam"]
    ingest_mail("dreyes", {"Pothole claim": (MONDAY, None)})
    clock = FrozenClock(MONDAY)
    app = create_app(settings, clock)
    attorney = make_user(Role.attorney, username="ada-attorney")
    with TestClient(app, client=("198.51.100.20", 40000)) as api:
        yield City(api, app.state.database, Services.open(settings, app.state.database), clock,
                   smtp_outbox, attorney.username, {k: str(v) for k, v in people.items()})


def test_each_custodian_is_noticed_and_acknowledges_by_a_personal_link(city: City) -> None:
    hold = issue(city.api, city.attorney, create_hold(
        city.api, city.attorney, matter_number="2026CV0042",
        custodians=[city.people["dana"], city.people["lee"]]))
    assert hold["acknowledgements_outstanding"] == 2
    mail = city.delivered()
    assert set(mail) == {"dreyes@springvale.example", "lokafor@springvale.example"}
    notice = mail["dreyes@springvale.example"][0]
    assert notice["Subject"] == "Legal hold notice: Reyes v. Springvale (2026CV0042)"
    assert "City of Springvale" in notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    dana, lee = token_in(notice), token_in(mail["lokafor@springvale.example"][0])
    assert dana != lee

    page = city.api.get(f"/api/v1/portal/acknowledgements/{dana}")
    assert page.status_code == 200 and page.json()["custodian_name"] == "Dana Reyes"
    assert "personal_devices" in page.json()["questions"]
    answered = city.api.post(f"/api/v1/portal/acknowledgements/{dana}", json={
        "personal_devices": "Texts on my own phone", "paper_files": "A folder in my desk"})
    assert answered.status_code == 200 and answered.json()["acknowledged_at"]
    again = city.api.post(f"/api/v1/portal/acknowledgements/{dana}", json={})
    assert again.status_code == 409
    acks = {a["person_name"]: a for a in city.api.get(
        f"/api/v1/holds/{hold['id']}/acknowledgements", headers=city.attorney).json()}
    assert acks["Dana Reyes"]["client_address"] == "198.51.100.20"
    assert acks["Dana Reyes"]["answers"]["paper_files"] == "A folder in my desk"
    assert acks["Lee Okafor"]["acknowledged_at"] is None


def test_a_wrong_link_learns_nothing_and_too_many_are_slowed(city: City) -> None:
    issue(city.api, city.attorney, create_hold(city.api, city.attorney,
                                               custodians=[city.people["dana"]]))
    city.delivered()
    answers = [city.api.get(f"/api/v1/portal/acknowledgements/{guess}")
               for guess in ("x", "a" * 43, "Zm9v-_bar")]
    assert {a.status_code for a in answers} == {404}
    assert len({a.json()["detail"] for a in answers}) == 1
    for _ in range(20):
        last = city.api.post("/api/v1/portal/acknowledgements/nope", json={})
    assert last.status_code == 429 and int(last.headers["retry-after"]) > 0


def test_who_does_not_acknowledge_is_reminded_and_then_their_supervisor_is_told(
        city: City) -> None:
    hold = issue(city.api, city.attorney, create_hold(
        city.api, city.attorney, custodians=[city.people["dana"], city.people["lee"]]))
    dana = token_in(city.delivered()["dreyes@springvale.example"][0])
    assert city.api.post(f"/api/v1/portal/acknowledgements/{dana}", json={}).status_code == 200
    city.clock.advance(days=6, hours=23)
    assert city.delivered() == {}
    city.clock.advance(hours=2)  # seven days: Lee is reminded, Dana is not
    reminded = city.delivered()
    assert list(reminded) == ["lokafor@springvale.example"]
    reminder = reminded["lokafor@springvale.example"][0]
    assert reminder["Subject"].startswith("Reminder: legal hold notice")
    city.clock.advance(days=7, hours=1)  # fourteen: a second reminder, and Sam is told
    later = city.delivered()
    assert set(later) == {"lokafor@springvale.example", "sortiz@springvale.example"}
    escalation = later["sortiz@springvale.example"][0]
    assert "Lee Okafor" in escalation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    city.clock.advance(days=7, hours=1)
    assert list(city.delivered()) == ["lokafor@springvale.example"]  # escalated only once
    lee = token_in(reminder)  # any of Lee's links acknowledges; then the reminders stop
    assert city.api.post(f"/api/v1/portal/acknowledgements/{lee}", json={}).status_code == 200
    city.clock.advance(days=8)
    assert city.delivered() == {}
    acks = city.api.get(f"/api/v1/holds/{hold['id']}/acknowledgements",
                        headers=city.attorney).json()
    assert {a["person_name"]: a["reminders"] for a in acks} == {"Dana Reyes": 0, "Lee Okafor": 3}


def test_a_rescope_asks_again_and_a_release_tells_everyone_it_ended(city: City) -> None:
    hold = issue(city.api, city.attorney, create_hold(city.api, city.attorney,
                                                      custodians=[city.people["dana"]]))
    first = token_in(city.delivered()["dreyes@springvale.example"][0])
    assert city.api.post(f"/api/v1/portal/acknowledgements/{first}", json={}).status_code == 200
    rescoped = city.api.patch(f"/api/v1/holds/{hold['id']}", headers=city.attorney, json={
        "version": hold["version"], "custodians": [city.people["dana"], city.people["lee"]]})
    assert rescoped.status_code == 200 and rescoped.json()["acknowledgements_outstanding"] == 2
    asked = city.delivered()
    assert set(asked) == {"dreyes@springvale.example", "lokafor@springvale.example"}
    second = token_in(asked["dreyes@springvale.example"][0])
    assert city.api.get(f"/api/v1/portal/acknowledgements/{first}").status_code == 404
    assert city.api.post(f"/api/v1/portal/acknowledgements/{second}", json={}).status_code == 200
    release(city.api, city.attorney, rescoped.json())
    ended = city.delivered()
    assert set(ended) == {"dreyes@springvale.example", "lokafor@springvale.example"}
    assert ended["lokafor@springvale.example"][0]["Subject"].startswith("Legal hold released")
    assert city.api.get(f"/api/v1/portal/acknowledgements/{second}").status_code == 404
    city.clock.advance(days=30)
    assert city.delivered() == {}  # nobody is reminded of an ended hold


def test_attorneys_edit_the_wording_as_a_new_version_and_bad_templates_change_nothing(
        city: City) -> None:
    url = f"/api/v1/hold-notice-templates/{NoticeKind.notice.value}"
    edited = city.api.put(url, headers=city.attorney, json={
        "subject_template": "Preserve records: {{ matter_name }}",
        "body_template": "<p>{{ custodian_name }}: keep it. {{ acknowledge_url }}</p>"})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    for bad, says in (({"subject_template": "{{ secret_key }}", "body_template": "<p/>"},
                       "'secret_key' is not a name"),
                      ({"subject_template": "x", "body_template": "{{ ''.__class__ }}"}, "_"),
                      ({"subject_template": "x", "body_template": "{% for %}"}, "line 1")):
        refused = city.api.put(url, headers=city.attorney, json=bad)
        assert refused.status_code == 400 and says in refused.json()["detail"], refused.text
    listed = {t["kind"]: t for t in city.api.get("/api/v1/hold-notice-templates",
                                                 headers=city.attorney).json()}
    assert listed["notice"]["version"] == 2 and listed["release"]["version"] == 1
    issue(city.api, city.attorney, create_hold(city.api, city.attorney,
                                               custodians=[city.people["dana"]]))
    notice = city.delivered()["dreyes@springvale.example"][0]
    assert notice["Subject"] == "Preserve records: Reyes v. Springvale"
    assert token_in(notice)


def test_the_report_shows_acknowledgements_documents_and_history_as_csv_and_pdf(
        city: City) -> None:
    hold = issue(city.api, city.attorney, create_hold(
        city.api, city.attorney, matter_number="2026CV0042",
        custodians=[city.people["dana"], city.people["lee"]]))
    dana = token_in(city.delivered()["dreyes@springvale.example"][0])
    city.api.post(f"/api/v1/portal/acknowledgements/{dana}",
                  json={"other": '=HYPERLINK("http://evil.example")'})
    url = f"/api/v1/holds/{hold['id']}/report"
    rows = list(csv.DictReader(io.StringIO(city.api.get(
        url, headers=city.attorney, params={"format": "csv", "part": "custodians"}).text)))
    by_name = {row["custodian"]: row for row in rows}
    assert by_name["Dana Reyes"]["acknowledged_from"] == "198.51.100.20"
    assert by_name["Dana Reyes"]["other"] == "'=HYPERLINK(\"http://evil.example\")"
    assert by_name["Lee Okafor"]["acknowledged_at"] == ""
    documents = city.api.get(url, headers=city.attorney,
                             params={"format": "csv", "part": "documents"}).text
    assert "dreyes" in documents and documents.strip().endswith(",1")
    pdf = city.api.get(url, headers=city.attorney)
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Reyes v. Springvale (2026CV0042)" in text and "hold.acknowledge" in text
    refused = city.api.get(url, headers=city.attorney, params={"format": "xlsx"})
    assert refused.status_code == 422
