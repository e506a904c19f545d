"""The CSV import: the whole file is checked first; one bad row and nothing changes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.db import Database
from app.models import Role
from app.people import csv_import
from tests.people.conftest import Headers, audit_of, counts, problem

IMPORT = "/api/v1/people/import"
HEADER = "name,department,title,emails,custodians,supervisor_email,status,departed_on\n"
GOOD = HEADER + (
    "Lee Marsh,Public Works,Crew lead,Lee.Marsh@city.example.gov;lm@old.example.gov,"
    "marsh-l,ruth@city.example.gov,,\n"
    "Ruth Okafor,Public Works,Director,ruth@city.example.gov,okafor-r;okafor-archive,,active,\n"
    '"Pike, Ana",Parks,,ana@city.example.gov,,,departed,2026-05-29\n')
Post = Callable[..., Any]


@pytest.fixture
def post(api: TestClient, attorney: Headers) -> Post:
    def send(text: str | bytes, **params: Any) -> Any:
        return api.post(IMPORT, headers={**attorney, "content-type": "text/csv"},
                        content=text, params=params)

    return send


def people(api: TestClient, attorney: Headers) -> dict[str, dict[str, Any]]:
    listed = api.get("/api/v1/people", headers=attorney).json()["items"]
    return {p["name"]: p for p in listed}


def test_import_creates_then_updates(api: TestClient, attorney: Headers, database: Database,
                                     post: Post) -> None:
    before = counts(database)
    dry = post(GOOD, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert (dry.json()["created"], dry.json()["updated"], dry.json()["unchanged"]) == (3, 0, 0)
    assert [(r["line"], r["action"], r["person_id"]) for r in dry.json()["rows"]] == [
        (2, "create", None), (3, "create", None), (4, "create", None)]
    assert counts(database) == before

    done = post(GOOD)
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 3
    found = people(api, attorney)
    lee, ruth, ana = found["Lee Marsh"], found["Ruth Okafor"], found["Pike, Ana"]
    assert lee["supervisor"] == {"id": ruth["id"], "name": "Ruth Okafor"}  # named before listed
    assert lee["emails"] == [{"address": "lee.marsh@city.example.gov", "current": True},
                             {"address": "lm@old.example.gov", "current": True}]
    assert ruth["custodians"] == ["okafor-archive", "okafor-r"]
    assert (ana["status"], ana["departed_on"]) == ("departed", "2026-05-29")
    assert [r["person_id"] for r in done.json()["rows"]] == [lee["id"], ruth["id"], ana["id"]]
    assert len(audit_of(database, "person.create")) == 3
    [entry] = audit_of(database, "person.import")
    assert (entry.details["created"], entry.details["updated"], entry.details["rows"]) == (3, 0, 3)

    again = post(GOOD)
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0, 0, 3)
    # matched by an old address; a new address and name added, a field changed
    change = HEADER + "Lee Marsh,Streets,Crew lead,LM@old.example.gov;lee2@city.example.gov," \
                      "marsh-l2,,,\n"
    changed = post(change)
    assert changed.status_code == 200, changed.text
    assert changed.json()["rows"][0] == {"line": 2, "action": "update", "name": "Lee Marsh",
                                         "person_id": lee["id"]}
    lee = people(api, attorney)["Lee Marsh"]
    assert lee["department"] == "Streets" and lee["supervisor"]["id"] == ruth["id"]
    assert {e["address"] for e in lee["emails"]} == {
        "lee.marsh@city.example.gov", "lm@old.example.gov", "lee2@city.example.gov"}
    assert lee["custodians"] == ["marsh-l", "marsh-l2"]
    [update] = audit_of(database, "person.update")
    assert update.details["before"]["department"] == "Public Works"
    assert update.details["after"]["department"] == "Streets"
    assert update.details["via"] == "import" and update.details["line"] == 2
    assert len(people(api, attorney)) == 3


def test_a_bad_file_changes_nothing(api: TestClient, attorney: Headers, database: Database,
                                    post: Post) -> None:
    assert post(GOOD).status_code == 200
    before = counts(database)
    bad = HEADER + (
        "Good Row,Parks,,good@city.example.gov,,,,\n"          # 2: fine alone
        ",Parks,,noname@city.example.gov,,,,\n"                # 3: missing name
        "Bad Mail,Parks,,not-an-address,,,,\n"                 # 4: bad e-mail
        "Twice,Parks,,good@city.example.gov,,,,\n"             # 5: address also on line 2
        "Lost,Parks,,lost@city.example.gov,,nobody@city.example.gov,,\n"  # 6: unknown boss
        "Late,Parks,,late@city.example.gov,,,departed,30/06/2026\n"       # 7: bad date
        "Odd,Parks,,odd@city.example.gov,,,retired,\n"         # 8: unknown status
        "Both,Parks,,ana@city.example.gov;ruth@city.example.gov,,,,\n"    # 9: two people
        "Taken,Parks,,taken@city.example.gov,marsh-l,,,\n"     # 10: another's custodian
        "Soon,Parks,,soon@city.example.gov,,,departed,2026-07-02\n"      # 11: in the future
        "Empty,Parks,,,,,,\n")                                 # 12: no address
    answer = problem(post(bad), 400, "invalid_import")
    reasons = {e["line"]: e["reason"] for e in answer["errors"]}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "name" in reasons[3]
    assert "'not-an-address' is not one plain e-mail address" in reasons[4]
    assert "line 2" in reasons[5]
    assert "nobody@city.example.gov" in reasons[6]
    assert "30/06/2026" in reasons[7]
    assert "retired" in reasons[8]
    assert "different people" in reasons[9]
    assert "marsh-l" in reasons[10]
    assert "future" in reasons[11]
    assert "no e-mail" in reasons[12]
    assert "nothing was imported" in answer["detail"]
    assert problem(post(bad, dry_run="true"), 400)["errors"] == answer["errors"]
    assert counts(database) == before


@pytest.mark.parametrize("text", [
    "name\nLee Marsh\n",  # no emails column
    "name,emails,departement\nLee Marsh,lee@city.example.gov,Parks\n",  # unknown column
    "name,emails,name\nLee Marsh,lee@city.example.gov,Lee\n",  # a column twice
    HEADER,  # no rows
    "name,emails\nLee Marsh,lee@city.example.gov,extra\n",  # more fields than the header
    b"name,emails\nL\xe9e,lee@city.example.gov\n",  # not UTF-8
    "name,emails\nLee\x00,lee@city.example.gov\n",  # a NUL
    'name,emails\n"Lee,lee@city.example.gov\n',  # an unclosed quote
])
def test_a_malformed_file_is_refused(database: Database, post: Post, text: str | bytes) -> None:
    before = counts(database)
    problem(post(text), 400, "invalid_import")
    assert counts(database) == before


def test_supervisor_cycles_in_the_file_are_refused(api: TestClient, attorney: Headers,
                                                   database: Database, post: Post) -> None:
    assert post(GOOD).status_code == 200
    before = counts(database)
    cycle = "name,emails,supervisor_email\n" \
            "Ruth Okafor,ruth@city.example.gov,lee.marsh@city.example.gov\n"  # Lee reports to her
    answer = problem(post(cycle), 400, "invalid_import")
    assert [e["line"] for e in answer["errors"]] == [2] and "cycle" in answer["errors"][0]["reason"]
    itself = "name,emails,supervisor_email\nNew Person,np@city.example.gov,np@city.example.gov\n"
    assert "themselves" in problem(post(itself), 400)["errors"][0]["reason"]
    among_new = "name,emails,supervisor_email\nA Person,a@city.example.gov,b@city.example.gov\n" \
                "B Person,b@city.example.gov,a@city.example.gov\n"
    assert [e["line"] for e in problem(post(among_new), 400)["errors"]] == [2, 3]
    assert counts(database) == before


def test_size_limits(api: TestClient, attorney: Headers, database: Database, post: Post,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    before = counts(database)
    row = "Lee Marsh,lee@city.example.gov\n"
    big = "name,emails\n" + row * (csv_import.MAX_BYTES // len(row) + 1)
    problem(post(big), 413, "payload_too_large")
    monkeypatch.setattr(csv_import, "MAX_ROWS", 3)
    rows = "name,emails\n" + "".join(f"P{i},p{i}@city.example.gov\n" for i in range(4))
    problem(post(rows), 413, "payload_too_large")
    problem(api.post(IMPORT, headers={**attorney, "content-type": "application/json"},
                     json={"name": "x"}), 400)
    assert counts(database) == before


def test_upload_as_multipart(api: TestClient, attorney: Headers, database: Database) -> None:
    answer = api.post(IMPORT, headers=attorney,
                      files={"file": ("people.csv", GOOD.encode(), "text/csv")})
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 3
    problem(api.post(IMPORT, headers=attorney,
                     files={"other": ("people.csv", GOOD.encode(), "text/csv")}), 400)


CUSTODIA = str(Path(sys.executable).parent / "custodia")


def test_cli_import(tmp_path: Path) -> None:
    data = tmp_path / "var"
    env = {**os.environ, "CUSTODIA_DATA_DIR": str(data), "COLUMNS": "200"}
    source = tmp_path / "people.csv"
    source.write_text(GOOD)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CUSTODIA, "people", "import", *args], env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    dry = run(str(source), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "3 people would be created" in dry.stdout
    done = run(str(source))
    assert done.returncode == 0, done.stderr
    assert "3 people were created" in done.stdout
    assert "0 people were created, 0 updated, 3 unchanged" in run(str(source)).stdout
    source.write_text(HEADER + "Odd,Parks,,odd@city.example.gov,,,retired,\n")
    refused = run(str(source))
    assert refused.returncode == 1
    assert "line 2:" in refused.stderr and "retired" in refused.stderr
    missing = run(str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_import_names_a_new_supervisor_and_reinstates(
        api: TestClient, attorney: Headers, database: Database, post: Post,
        make_user: Any, login: Any) -> None:
    assert post(GOOD).status_code == 200
    ana = people(api, attorney)["Pike, Ana"]
    file = "name,emails,supervisor_email,status\n" \
           "Pike Ana,ana@city.example.gov,dana@city.example.gov,active\n" \
           "Dana Cole,dana@city.example.gov,,\n"
    dry = post(file, dry_run="true").json()
    assert [(r["action"], r["person_id"]) for r in dry["rows"]] == [
        ("update", ana["id"]), ("create", None)]
    done = post(file)
    assert done.status_code == 200, done.text
    found = people(api, attorney)
    ana, dana = found["Pike Ana"], found["Dana Cole"]
    assert (ana["status"], ana["departed_on"]) == ("active", None)
    assert ana["supervisor"] == {"id": dana["id"], "name": "Dana Cole"}
    update = audit_of(database, "person.update")[-1]
    assert update.details["before"]["status"] == "departed"
    assert update.details["after"]["supervisor_id"] == dana["id"]
    verified = api.get("/api/v1/audit/verify", headers=login(make_user(Role.auditor)))
    assert verified.status_code == 200 and verified.json()["intact"] is True, verified.text
