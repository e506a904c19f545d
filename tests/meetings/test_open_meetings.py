"""Open Meetings triage on real ingested mail: the seeded three-member thread is found,
with the reply-all that made it one; two-member threads are not; a quorum smaller than
three counts; a member counts only while seated. Bad inputs change nothing."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.meetings import triage
from app.models import AuditEntry, Document, PublicBody, Role
from ingest import jobs
from ingest.runtime import Runtime
from tests.conftest import MakeUser
from tests.ui.conftest import signed_in

Headers = dict[str, str]
CITY = "springvale-co.example"
PEOPLE = {"ava": "Ava Lund", "ben": "Ben Ortiz", "cruz": "Cruz Diaz", "dee": "Dee Park",
          "eve": "Eve Stone", "pat": "Pat Vo", "quinn": "Quinn Ray", "staff": "Sam Clerk"}


def address(who: str) -> str:
    return f"{who}@{CITY}"


def mail(sender: str, to: list[str], subject: str, sent: datetime, body: str,
         reply_to: list[str] | None = None, cc: list[str] | None = None) -> tuple[str, bytes]:
    message = EmailMessage()
    message_id = f"{uuid.uuid4().hex}@{CITY}"
    message["From"] = f"{PEOPLE[sender]} <{address(sender)}>"
    message["To"] = ", ".join(address(t) for t in to)
    if cc:
        message["Cc"] = ", ".join(address(c) for c in cc)
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = f"<{message_id}>"
    if reply_to:
        message["In-Reply-To"] = f"<{reply_to[-1]}>"
        message["References"] = " ".join(f"<{r}>" for r in reply_to)
    message.set_content(body)
    return message_id, bytes(message)


def day(d: int, hour: int = 17) -> datetime:
    return datetime(2026, 6, d, hour, 0, tzinfo=UTC)


@pytest.fixture
def seeded(tmp_path: Path, settings: Settings, database: Database, actor: Actor,
           client: TestClient, make_user: MakeUser, sign_in: Any) -> dict[str, Any]:
    admin = sign_in(make_user(Role.admin))
    people = {}
    for key, name in PEOPLE.items():
        made = client.post("/api/v1/people", headers=admin,
                           json={"name": name, "emails": [{"address": address(key)}]})
        assert made.status_code == 201, made.text
        people[key] = made.json()["id"]
    council = client.post("/api/v1/public-bodies", headers=admin,
                          json={"name": "City Council", "kind": "council", "seats": 7}).json()
    assert council["quorum"] == 4  # a majority of seven
    for key in ("ava", "ben", "cruz", "dee"):
        seat(client, admin, council["id"], people[key], "2026-01-01")
    seat(client, admin, council["id"], people["eve"], "2024-01-01", "2026-03-31")
    parks = client.post("/api/v1/public-bodies", headers=admin,
                        json={"name": "Parks Board", "kind": "board", "seats": 3}).json()
    for key in ("pat", "quinn"):
        seat(client, admin, parks["id"], people[key], "2026-01-01")

    threads: dict[str, list[tuple[str, bytes]]] = {}
    first = mail("ava", ["ben"], "Snow routes budget", day(1), "Should we move the plow money?")
    second = mail("ben", ["ava"], "Re: Snow routes budget", day(2), "Yes, to District 2.",
                  reply_to=[first[0]])
    third = mail("ava", ["ben", "cruz"], "Re: Snow routes budget", day(3),
                 "Adding Cruz: we three agree on District 2 then.", reply_to=[first[0], second[0]])
    threads["reply-all"] = [first, second, third]
    pair = mail("ava", ["dee"], "Library hours", day(4), "Open later on Fridays?", cc=["staff"])
    threads["two members"] = [pair, mail("dee", ["ava"], "Re: Library hours", day(5),
                                         "Agreed, let us propose it.", reply_to=[pair[0]])]
    threads["three at once"] = [mail("cruz", ["ava", "ben", "dee"], "Zoning hearing", day(6),
                                     "My view on the zoning variance before the hearing.")]
    threads["term ended"] = [mail("eve", ["ben", "dee"], "Old business", day(7),
                                  "Eve no longer sits; two sitting members only.")]
    threads["small quorum"] = [mail("pat", ["quinn"], "=HYPERLINK(\"x\") Trail fees", day(8),
                                    "Two of three Parks Board members: a quorum.")]
    folder = tmp_path / "mail"
    folder.mkdir()
    for name, messages in threads.items():
        for n, (_, data) in enumerate(messages):
            (folder / f"{name.replace(' ', '-')}-{n}.eml").write_bytes(data)
    runtime = Runtime.open(settings, database)
    with database.transaction() as session:
        job = jobs.create_job(session, actor, "council", {"type": "path", "paths": [str(folder)]})
    assert jobs.run_now(runtime.runner(worker="test"), job.id).status == "done"
    with database.reading() as session:
        ids = dict(session.execute(select(Document.message_id, Document.id)).all())
    return {"admin": admin, "council": council, "parks": parks, "people": people,
            "threads": {k: [ids[m] for m, _ in v] for k, v in threads.items()}}


def seat(client: TestClient, headers: Headers, body_id: str, person_id: str, starts: str,
         ends: str | None = None) -> None:
    answer = client.post(f"/api/v1/public-bodies/{body_id}/members", headers=headers,
                         json={"person_id": person_id, "starts_on": starts, "ends_on": ends})
    assert answer.status_code == 201, answer.text


def test_the_report_finds_three_member_threads_and_the_reply_all_not_two_member_ones(
    client: TestClient, seeded: dict[str, Any], database: Database,
) -> None:
    report = client.get("/api/v1/open-meetings/report", headers=seeded["admin"])
    assert report.status_code == 200, report.text
    found = {(f["body"], f["subject"]): f for f in report.json()["findings"]}
    assert set(found) == {("City Council", "Snow routes budget"),
                          ("City Council", "Zoning hearing"),
                          ("Parks Board", '=HYPERLINK("x") Trail fees')}
    assert report.json()["total"] == 3

    snow = found[("City Council", "Snow routes budget")]
    reply_all = seeded["threads"]["reply-all"][2]
    assert snow["reply_all"]["document_id"] == str(reply_all)
    assert snow["reached_by"]["document_id"] == str(reply_all)
    assert [m["name"] for m in snow["members"]] == ["Ava Lund", "Ben Ortiz", "Cruz Diaz"]
    assert snow["messages"] == 3 and snow["threshold"] == 3
    assert snow["first_at"].startswith("2026-06-01") and snow["last_at"].startswith("2026-06-03")
    assert "we three agree on District 2" in snow["snippet"]
    assert "C.R.S. 24-6-402" in snow["citation"]
    assert any("from 2 members to 3" in line for line in snow["explanation"])

    zoning = found[("City Council", "Zoning hearing")]
    assert zoning["reply_all"] is None  # three at once, not brought in by a reply
    parks = found[("Parks Board", '=HYPERLINK("x") Trail fees')]
    assert parks["threshold"] == 2  # its quorum, smaller than three

    with database.reading() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "open_meetings.report")).one()
    assert entry.details["findings"] == 3


def test_the_report_is_searched_by_text_and_dates_and_exported_as_safe_csv(
    client: TestClient, seeded: dict[str, Any],
) -> None:
    def subjects(**params: str) -> list[str]:
        answer = client.get("/api/v1/open-meetings/report", headers=seeded["admin"],
                            params=params)
        assert answer.status_code == 200, answer.text
        return [f["subject"] for f in answer.json()["findings"]]

    assert subjects(q="ZONING") == ["Zoning hearing"]
    assert subjects(q="cruz@springvale-co.example") == ["Snow routes budget", "Zoning hearing"]
    assert subjects(after="2026-06-05", before="2026-06-06") == ["Zoning hearing"]
    assert subjects(body_id=seeded["parks"]["id"]) == ['=HYPERLINK("x") Trail fees']

    exported = client.get("/api/v1/open-meetings/report.csv", headers=seeded["admin"],
                          params={"body_id": seeded["parks"]["id"]})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["subject"] for r in rows] == ["'=HYPERLINK(\"x\") Trail fees"]  # never a formula
    assert rows[0]["members"] == (f"Pat Vo <{address('pat')}>; Quinn Ray <{address('quinn')}>")


def _unchanged(database: Database) -> tuple[int, int]:
    with database.reading() as session:
        return (session.scalar(select(func.count()).select_from(PublicBody)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_bad_bodies_and_terms_are_refused_and_change_nothing(
    client: TestClient, seeded: dict[str, Any], database: Database, make_user: MakeUser,
    sign_in: Any,
) -> None:
    admin, council, people = seeded["admin"], seeded["council"]["id"], seeded["people"]
    clerk = sign_in(make_user(Role.clerk))
    before = _unchanged(database)
    refusals = [
        ("post", "/api/v1/public-bodies", {"name": "Water Board", "kind": "board", "seats": 3,
                                           "quorum": 5}, 400, "more than the body's 3 seats"),
        ("post", "/api/v1/public-bodies", {"name": "City Council", "kind": "council",
                                           "seats": 5}, 409, "already a public body"),
        ("post", "/api/v1/public-bodies", {"name": "Water Board", "kind": "cabal",
                                           "seats": 3}, 422, "kind"),
        ("post", f"/api/v1/public-bodies/{council}/members",
         {"person_id": str(uuid.uuid4()), "starts_on": "2026-01-01"}, 400, "No person"),
        ("post", f"/api/v1/public-bodies/{council}/members",
         {"person_id": people["ava"], "starts_on": "2026-05-01"}, 409, "already sits on"),
        ("post", f"/api/v1/public-bodies/{council}/members",
         {"person_id": people["staff"], "starts_on": "2026-05-01", "ends_on": "2026-04-01"},
         400, "before starts_on"),
        ("patch", f"/api/v1/public-bodies/{council}", {"quorum": 9}, 400, "more than"),
        ("patch", f"/api/v1/public-bodies/{council}", {"name": None}, 400, "cannot be null"),
        ("post", f"/api/v1/public-bodies/{uuid.uuid4()}/members",
         {"person_id": people["staff"], "starts_on": "2026-05-01"}, 404, "No public body"),
    ]
    for method, url, body, status, said in refusals:
        answer = client.request(method, url, headers=admin, json=body)
        assert answer.status_code == status, (url, body, answer.text)
        assert said in answer.text, answer.text
    refused = client.post("/api/v1/public-bodies", headers=clerk,
                          json={"name": "Water Board", "kind": "board", "seats": 3})
    assert refused.status_code == 403
    assert _unchanged(database) == before

    backwards = client.get("/api/v1/open-meetings/report", headers=admin,
                           params={"after": "2026-06-06", "before": "2026-06-01"})
    assert backwards.status_code == 400 and "earlier than" in backwards.text
    unknown = client.get("/api/v1/open-meetings/report", headers=admin,
                         params={"body_id": str(uuid.uuid4())})
    assert unknown.status_code == 404


def test_ending_a_term_is_audited_and_stops_the_member_counting_after_it(
    client: TestClient, seeded: dict[str, Any], database: Database,
) -> None:
    admin = seeded["admin"]
    council = client.get(f"/api/v1/public-bodies/{seeded['council']['id']}", headers=admin).json()
    term = next(m for m in council["members"] if m["name"] == "Cruz Diaz")
    ended = client.post(f"/api/v1/public-bodies/{council['id']}/members/{term['id']}/end",
                        headers=admin, json={"ends_on": "2026-06-02"})
    assert ended.status_code == 200, ended.text
    again = client.post(f"/api/v1/public-bodies/{council['id']}/members/{term['id']}/end",
                        headers=admin, json={"ends_on": "2026-06-02"})
    assert again.status_code == 409
    subjects = {f["subject"] for f in client.get(
        "/api/v1/open-meetings/report", headers=admin,
        params={"body_id": council["id"]}).json()["findings"]}
    # Cruz left before the reply that brought him in; the zoning mail has three others.
    assert subjects == {"Zoning hearing"}
    with database.reading() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "public_body.member_end")).one()
    cruz_after = next(m for m in entry.details["after"]["members"] if m["name"] == "Cruz Diaz")
    assert cruz_after["ends_on"] == "2026-06-02"
    assert next(m for m in entry.details["before"]["members"] if m["name"] == "Cruz Diaz")["ends_on"] is None


def test_the_rule_in_force_is_the_newest_by_the_mail_date() -> None:
    known = triage.rules()
    assert known[0].members == 3 and "24-6-402" in known[0].citation
    later = triage.Rule(date(2030, 1, 1), "a future amendment", 2, False, "", "", "")
    assert triage.rule_on(date(2029, 12, 31), [*known, later]) == known[0]
    assert triage.rule_on(date(2030, 1, 1), [*known, later]) == later
    assert triage.rule_on(date(1900, 1, 1), known) is None
    assert known[0].threshold(quorum=4) == 3 and known[0].threshold(quorum=2) == 2


def test_the_page_shows_the_report_to_reviewers_filters_it_and_downloads_the_csv(
    client: TestClient, seeded: dict[str, Any], make_user: MakeUser, database: Database,
) -> None:
    signed_in(client, make_user(Role.attorney))
    page = client.get("/open-meetings")
    assert page.status_code == 200
    assert 'href="/open-meetings"' in page.text  # in the navigation
    assert "3 threads" in page.text and "Snow routes budget" in page.text
    assert "A reply brought in member 3" in page.text
    assert '=HYPERLINK("x") Trail fees' in page.text.replace("&#34;", '"')  # shown as text
    narrowed = client.get("/open-meetings", params={"q": "zoning"})
    assert "1 thread" in narrowed.text and "Snow routes budget" not in narrowed.text
    exported = client.get("/open-meetings.csv", params={"q": "zoning"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert [r["subject"] for r in csv.DictReader(io.StringIO(exported.text))] == [
        "Zoning hearing"]
    before = _unchanged(database)
    assert client.get("/open-meetings", params={"after": "June 1"}).status_code == 400
    assert client.get("/open-meetings", params={"body_id": "council"}).status_code == 400
    assert _unchanged(database) == before

    client.cookies.clear()
    signed_in(client, make_user(Role.auditor))
    assert client.get("/open-meetings").status_code == 403
