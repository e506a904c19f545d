"""The audit trail page over HTTP: who may open it, its filters (dates on the city's
clocks), a bad date refused on the page, the export (the API's file, audited the same
way) and the verification (audited, with its verdict)."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from app.core.db import Database
from app.models import Role
from tests.audit.test_chain import behind_the_back
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, actions, signed_in, trail

pytestmark = EMBEDDED






def test_trail_newest_first_filtered_and_paged(api: TestClient, make_user: MakeUser) -> None:
    clerk = make_user(Role.clerk, username="mdelgado")
    make_user(Role.attorney, username="praman")
    signed_in(api, make_user(Role.auditor, username="auditor1"))
    page = api.get("/audit")
    assert page.status_code == 200
    # newest first: the auditor's sign-in is above the users' creation
    assert page.text.index("<strong>auth.login</strong>") < page.text.index(
        "<strong>user.create</strong>")
    only = api.get("/audit", params={"action": "user.create", "object_id": str(clerk.id)})
    assert "mdelgado" in only.text and "praman" not in only.text and "1 entry" in only.text
    first = api.get("/audit", params={"limit": 1})
    assert 'rel="next"' in first.text and "limit=1" in first.text
    # the app's frozen clock signed in at 2026-03-02 09:00 in Denver: that day holds the
    # sign-in, the days either side do not (users made by the fixture carry the real time)
    login = {"action": "auth.login"}
    assert "1 entry" in api.get("/audit", params={
        **login, "from_date": "2026-03-02", "to_date": "2026-03-02"}).text
    assert "No entry matches" in api.get("/audit", params={**login, "from_date": "2026-03-03"}).text
    assert "No entry matches" in api.get("/audit", params={**login, "to_date": "2026-03-01"}).text


def test_a_bad_date_is_refused_on_the_page(api: TestClient, make_user: MakeUser) -> None:
    signed_in(api, make_user(Role.auditor))
    for params, said in (({"from_date": "yesterday"}, "From is a date"),
                         ({"to_date": "2026-13-40"}, "To is a date"),
                         ({"from_date": "2026-03-02", "to_date": "2026-03-01"}, "To is before")):
        answer = api.get("/audit", params=params)
        assert answer.status_code == 400 and said in answer.text, params
        assert 'value="' + next(iter(params.values())) + '"' in answer.text  # the input is kept
    refused = api.get("/audit/export", params={"from_date": "yesterday"})
    assert refused.status_code == 400 and "Nothing was exported" in refused.text
    assert api.get("/audit", params={"limit": "0"}).status_code == 400


def test_export_is_the_apis_file_and_is_audited(api: TestClient, make_user: MakeUser,
                                                database: Database) -> None:
    signed_in(api, make_user(Role.auditor))
    lines = api.get("/audit/export", params={"format": "jsonl", "action": "user.create"})
    assert lines.headers["content-type"].startswith("application/x-ndjson")
    assert lines.headers["content-disposition"] == 'attachment; filename="custodia-audit.jsonl"'
    assert {json.loads(line)["action"] for line in lines.text.splitlines()} == {"user.create"}
    table = api.get("/audit/export", params={"format": "csv", "from_date": "2026-03-02",
                                             "to_date": "2026-03-02"})
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert rows and table.headers["content-type"].startswith("text/csv")
    exported = [e for e in trail(database) if e.action == "audit.export"]
    assert [e.details["format"] for e in exported] == ["jsonl", "csv"]
    assert exported[0].details["filter"]["action"] == "user.create"
    assert exported[1].details["filter"]["since"] == "2026-03-02 00:00:00-07:00"
    assert api.get("/audit/export", params={"format": "xml"}).status_code == 400


def test_verify_shows_the_verdict_and_is_audited(api: TestClient, make_user: MakeUser,
                                                 database: Database) -> None:
    token = signed_in(api, make_user(Role.auditor))
    answer = api.post("/audit/verify", data={"csrf_token": token})
    checked = len(trail(database)) - 1  # everything before the verification's own entry
    assert answer.status_code == 200
    assert f"The trail is intact:</strong>\n  {checked} entries verified" in answer.text
    assert actions(database)[-1] == "audit.verify"
    partial = api.post("/audit/verify", headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert "<html" not in partial.text and "intact" in partial.text
    behind_the_back(database, "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2")
    broken = api.post("/audit/verify", data={"csrf_token": token})
    assert "broken at entry 2" in broken.text and "was changed" in broken.text
    assert trail(database)[-1].details["intact"] is False
    assert api.post("/audit/verify").status_code == 403  # no CSRF token: refused


def test_clerks_are_refused_with_the_apis_message(api: TestClient, make_user: MakeUser) -> None:
    clerk = make_user(Role.clerk)
    token = signed_in(api, clerk)
    for path in ("/audit", "/audit/export"):
        answer = api.get(path)
        assert answer.status_code == 403
        assert "This action needs one of these roles: auditor, admin." in answer.text
    assert api.post("/audit/verify", data={"csrf_token": token}).status_code == 403
