"""The hold pages over HTTP: who may open them, and every bad input answered on the page
with a clear error while nothing changes."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.core.audit import Actor
from app.core.db import Database
from app.models import OutboxMessage, Role
from app.people import service as people
from app.people.schemas import EmailIn, PersonIn
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, actions, page_token, signed_in

pytestmark = EMBEDDED
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')






def person(database: Database, actor: Actor, name: str, address: str = "") -> str:
    with database.transaction() as session:
        emails = [EmailIn(address=address)] if address else []
        return str(people.create(session, actor, PersonIn(name=name, emails=emails)).id)


@pytest.fixture
def attorney(api: TestClient, make_user: MakeUser) -> TestClient:
    signed_in(api, make_user(Role.attorney))
    return api


def post(api: TestClient, path: str, **form: Any) -> Any:
    return api.post(path, data={"csrf_token": page_token(api, "/dashboard"), **form},
                    follow_redirects=False)


def draft(api: TestClient, custodians: list[str], **form: Any) -> str:
    answer = post(api, "/holds/new", matter_name="Reyes v. Springvale",
                  custodians=custodians, **form)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"]).rsplit("/", 1)[1]


def version(api: TestClient, hold: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', api.get(f"/holds/{hold}").text)
    assert found
    return found.group(1)


def test_a_clerk_is_refused_the_holds_as_by_the_api(api: TestClient, make_user: MakeUser) -> None:
    signed_in(api, make_user(Role.clerk))
    for path, roles in (("/holds", "attorney, auditor, admin"), ("/holds/new", "attorney, admin"),
                        (f"/holds/{uuid.uuid4()}", "attorney, auditor, admin")):
        answer = api.get(path)
        assert answer.status_code == 403, path
        assert f"This action needs one of these roles: {roles}." in answer.text, path
    assert 'href="/holds"' not in api.get("/dashboard").text  # not in the navigation


def test_an_auditor_reads_holds_but_is_offered_no_action(
        api: TestClient, make_user: MakeUser, database: Database, actor: Actor) -> None:
    lee = person(database, actor, "Lee Okafor", "lokafor@springvale-co.example")
    signed_in(api, make_user(Role.attorney))
    hold = draft(api, [lee])
    api.cookies.clear()
    signed_in(api, make_user(Role.auditor))
    listing = api.get("/holds")
    assert listing.status_code == 200 and "Reyes v. Springvale" in listing.text
    assert "New hold" not in listing.text
    page = api.get(f"/holds/{hold}")
    assert page.status_code == 200 and "Lee Okafor" in page.text
    assert "/issue" not in page.text and "Edit the hold" not in page.text
    before = actions(database)
    assert post(api, f"/holds/{hold}/issue", version="1").status_code == 403
    assert api.get("/holds/new").status_code == 403
    assert actions(database) == before


@pytest.mark.parametrize(("form", "message"), [
    ({"custodians": [str(uuid.UUID(int=7))]}, "No person has the id 00000000-0000-0000-0000-000000000007"),
    ({"custodians": ["not-an-id"]}, "is not a person from the directory"),
    ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_from is after its date_to"),
    ({"date_from": "2026-13-45"}, "date_from"),
    ({"reminder_days": "soon"}, "reminder_days"),
    ({"matter_name": ""}, "matter_name"),
    ({"query": "subject:("}, ""),
])
def test_a_bad_new_hold_keeps_the_input_and_changes_nothing(
        attorney: TestClient, database: Database, form: dict[str, Any], message: str) -> None:
    before = actions(database)
    answer = post(attorney, "/holds/new", **{"matter_name": "Okafor grievance",
                                             "matter_number": "2026-G-17", **form})
    assert answer.status_code == 400, answer.text
    assert 'role="alert"' in answer.text and message in answer.text
    assert 'value="2026-G-17"' in answer.text  # what was typed is still there
    assert actions(database) == before


def test_no_custodians_cannot_be_issued_and_an_active_hold_keeps_one(
        attorney: TestClient, database: Database, actor: Actor) -> None:
    empty = draft(attorney, [])
    answer = post(attorney, f"/holds/{empty}/issue", version=version(attorney, empty))
    assert answer.status_code == 409
    assert "A hold needs at least one custodian before it is issued." in answer.text
    lee = person(database, actor, "Lee Okafor")
    hold = draft(attorney, [lee])
    assert post(attorney, f"/holds/{hold}/issue", version="1").status_code == 303
    before = actions(database)
    answer = post(attorney, f"/holds/{hold}/edit", version=version(attorney, hold),
                  matter_name="Reyes v. Springvale")
    assert answer.status_code == 409
    assert "An active hold keeps at least one custodian" in answer.text
    assert actions(database) == before
    assert "Lee Okafor" in attorney.get(f"/holds/{hold}").text


def test_a_stale_version_answers_409_on_the_page_and_changes_nothing(
        attorney: TestClient, database: Database, actor: Actor) -> None:
    lee = person(database, actor, "Lee Okafor")
    hold = draft(attorney, [lee])
    seen = version(attorney, hold)
    saved = post(attorney, f"/holds/{hold}/edit", version=seen, matter_name="Reyes v. City",
                 custodians=[lee])
    assert saved.status_code == 303
    before = actions(database)
    stale = post(attorney, f"/holds/{hold}/edit", version=seen, matter_name="Mine instead",
                 custodians=[lee])
    assert stale.status_code == 409
    assert "has changed since you read it" in stale.text and 'value="Mine instead"' in stale.text
    assert post(attorney, f"/holds/{hold}/issue", version=seen).status_code == 409
    assert post(attorney, f"/holds/{hold}/issue", version="x").status_code == 400
    assert actions(database) == before
    assert "Hold: Reyes v. City" in attorney.get(f"/holds/{hold}").text


def test_a_release_needs_a_reason(attorney: TestClient, database: Database,
                                  actor: Actor) -> None:
    hold = draft(attorney, [person(database, actor, "Lee Okafor")])
    assert post(attorney, f"/holds/{hold}/issue", version="1").status_code == 303
    before = actions(database)
    answer = post(attorney, f"/holds/{hold}/release", version=version(attorney, hold),
                  reason="  ")
    assert answer.status_code == 400 and "Say why the hold is released" in answer.text
    assert actions(database) == before
    done = post(attorney, f"/holds/{hold}/release", version=version(attorney, hold),
                reason="Case settled.")
    assert done.status_code == 303
    page = attorney.get(f"/holds/{hold}")
    assert "Case settled." in page.text and "Edit the hold" not in page.text
    assert actions(database)[-2:] == ["hold.release", "hold.release_notices_send"]


def test_the_report_downloads_as_the_api_gives_it(attorney: TestClient, database: Database,
                                                  actor: Actor) -> None:
    hold = draft(attorney, [person(database, actor, "Lee Okafor")])
    answer = attorney.get(f"/holds/{hold}/report.csv?part=history")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "hold.create" in answer.text
    assert attorney.get(f"/holds/{hold}/report.pdf").content.startswith(b"%PDF")
    assert attorney.get(f"/holds/{hold}/report.csv?part=secrets").status_code == 400
    assert actions(database)[-2:] == ["hold.report", "hold.report"]


def test_unknown_holds_and_statuses(attorney: TestClient) -> None:
    assert attorney.get(f"/holds/{uuid.uuid4()}").status_code == 404
    assert "No hold has this id." in attorney.get(f"/holds/{uuid.uuid4()}").text
    assert attorney.get("/holds/not-a-hold").status_code == 404
    assert attorney.get("/holds?status=frozen").status_code == 400


def test_the_acknowledgement_page_refuses_unknown_links_alike_and_throttles(
        api: TestClient, database: Database, settings: Any) -> None:
    token = page_token(api, "/sign-in")
    before = actions(database)
    unknown = api.get("/portal/acknowledgements/nope")
    assert unknown.status_code == 404 and "No such acknowledgement link." in unknown.text
    posted = api.post(f"/portal/acknowledgements/{'x' * 43}", data={"csrf_token": token})
    assert posted.status_code == 404 and posted.text.count("No such acknowledgement link.") == 1
    assert api.post("/portal/acknowledgements/nope", data={}).status_code == 403  # no CSRF token
    answers = [api.get(f"/portal/acknowledgements/guess-{n}").status_code
               for n in range(settings.sign_in_failures_per_address)]
    assert answers[-1] == 429 and "Retry-After" in api.get("/portal/acknowledgements/z").headers
    assert actions(database) == before



def mailed_token(database: Database, hold: str) -> str:
    """The link in the notice the hold queued (the journey test reads it from the SMTP server)."""
    with database.reading() as session:
        text = session.scalars(select(OutboxMessage.body_text).where(
            OutboxMessage.about_id == hold).order_by(OutboxMessage.created_at)).first() or ""
    found = re.search(r"/portal/acknowledgements/([A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


def test_a_custodian_acknowledges_once_and_a_too_long_answer_changes_nothing(
        attorney: TestClient, database: Database, actor: Actor) -> None:
    hold = draft(attorney, [person(database, actor, "Lee Okafor", "lokafor@springvale-co.example")])
    assert post(attorney, f"/holds/{hold}/issue", version="1").status_code == 303
    attorney.cookies.clear()  # the custodian has no account
    path = f"/portal/acknowledgements/{mailed_token(database, hold)}"
    page = attorney.get(path)
    assert page.status_code == 200 and "Legal hold notice: Reyes v. Springvale" in page.text
    found = CSRF.search(page.text)
    assert found
    token, before = found.group(1), actions(database)
    long = attorney.post(path, data={"csrf_token": token, "other": "x" * 4001,
                                     "paper_files": "Cabinet 3"})
    assert long.status_code == 400 and "other" in long.text and "Cabinet 3" in long.text
    assert actions(database) == before
    done = attorney.post(path, data={"csrf_token": token, "paper_files": "Cabinet 3"})
    assert done.status_code == 200 and "You acknowledged this notice on" in done.text
    again = attorney.post(path, data={"csrf_token": token})
    assert again.status_code == 409 and "needs no second answer" in again.text
    assert actions(database)[-1] == "hold.acknowledge"


def test_a_superseded_link_answers_the_same_404_as_an_unknown_one(
        attorney: TestClient, database: Database, actor: Actor) -> None:
    lee = person(database, actor, "Lee Okafor", "lokafor@springvale-co.example")
    hold = draft(attorney, [lee])
    assert post(attorney, f"/holds/{hold}/issue", version="1").status_code == 303
    first = mailed_token(database, hold)
    rescoped = post(attorney, f"/holds/{hold}/edit", version=version(attorney, hold),
                    matter_name="Reyes v. Springvale", custodians=[lee], date_from="2026-01-01")
    assert rescoped.status_code == 303  # a new scope: the custodian is asked again
    assert "The hold is saved." in attorney.get(f"/holds/{hold}").text
    old = attorney.get(f"/portal/acknowledgements/{first}")
    unknown = attorney.get(f"/portal/acknowledgements/{'y' * 43}")
    assert old.status_code == unknown.status_code == 404
    assert old.text == unknown.text
