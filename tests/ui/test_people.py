"""The people directory's pages over HTTP: readers read, attorneys keep it, and a bad
input (a bad or taken address, a taken custodian name, a bad CSV) changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.db import Database
from app.models import Role
from tests.conftest import MakeUser
from tests.ui.conftest import EMBEDDED, actions, page_token, signed_in
from tests.ui.test_holds import post

pytestmark = EMBEDDED


@pytest.fixture
def attorney(api: TestClient, make_user: MakeUser) -> TestClient:
    signed_in(api, make_user(Role.attorney))
    return api


def add(api: TestClient, name: str, emails: str = "", custodians: str = "") -> str:
    answer = post(api, "/people/new", name=name, emails=emails, custodians=custodians)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"]).rsplit("/", 1)[1]


def test_a_clerk_reads_the_directory_but_cannot_change_it(
        api: TestClient, make_user: MakeUser, database: Database) -> None:
    signed_in(api, make_user(Role.attorney))
    dana = add(api, "Dana Reyes", "dreyes@springvale-co.example", "dreyes")
    api.cookies.clear()
    signed_in(api, make_user(Role.clerk))
    listing = api.get("/people?q=reye")
    assert listing.status_code == 200 and "Dana Reyes" in listing.text
    assert "Add a person" not in listing.text and "Import" not in listing.text
    page = api.get(f"/people/{dana}")
    assert "dreyes@springvale-co.example" in page.text and "Add an address" not in page.text
    before = actions(database)
    for path in ("/people/new", f"/people/{dana}/emails", f"/people/{dana}/custodians"):
        answer = post(api, path, name="X", address="x@example.org", custodian="x")
        assert answer.status_code == 403
        assert "This action needs one of these roles: attorney, admin." in answer.text
    assert api.get("/people/import").status_code == 403
    assert actions(database) == before


def test_search_and_status_filter(attorney: TestClient) -> None:
    add(attorney, "Dana Reyes")
    add(attorney, "Lee Okafor")
    found = attorney.get("/people?q=OKA")
    assert "Lee Okafor" in found.text and "Dana Reyes" not in found.text
    assert "1 person" in found.text
    assert attorney.get("/people?q=%25").text.count("/people/") <= 3  # % is a character
    assert attorney.get("/people?status=gone").status_code == 400


@pytest.mark.parametrize(("form", "message"), [
    ({"name": ""}, "name"),
    ({"emails": "not an address"}, "not an address"),
    ({"emails": "a@example.org\nA@example.org"}, "The same address is listed twice."),
    ({"supervisor_id": str(uuid.UUID(int=3))}, "supervisor_id names no person."),
    ({"supervisor_id": "boss"}, "supervisor_id"),
])
def test_a_bad_new_person_keeps_the_input_and_changes_nothing(
        attorney: TestClient, database: Database, form: dict[str, str], message: str) -> None:
    before = actions(database)
    answer = post(attorney, "/people/new", **{"name": "Lee Okafor", "department": "Parks", **form})
    assert answer.status_code == 400, answer.text
    assert 'role="alert"' in answer.text and message in answer.text
    assert 'value="Parks"' in answer.text
    assert actions(database) == before


def test_addresses_and_custodian_names_belong_to_one_person(
        attorney: TestClient, database: Database) -> None:
    dana = add(attorney, "Dana Reyes", "dreyes@springvale-co.example", "dreyes")
    lee = add(attorney, "Lee Okafor")
    before = actions(database)
    taken = post(attorney, f"/people/{lee}/emails", address="DReyes@springvale-co.example")
    assert taken.status_code == 409 and "is already another person" in taken.text
    assert post(attorney, f"/people/{lee}/emails", address="nope").status_code == 400
    mapped = post(attorney, f"/people/{lee}/custodians", custodian="dreyes")
    assert mapped.status_code == 409 and "already mapped to another person" in mapped.text
    assert actions(database) == before
    assert post(attorney, f"/people/{lee}/emails",
                address="lokafor@springvale-co.example").status_code == 303
    assert post(attorney, f"/people/{lee}/custodians", custodian="lokafor").status_code == 303
    page = attorney.get(f"/people/{lee}").text
    assert "lokafor@springvale-co.example" in page and "lokafor" in page
    assert attorney.get(f"/people/{uuid.uuid4()}").status_code == 404
    assert dana != lee


CSV = ("name,emails,department,custodians\n"
       "Dana Reyes,dreyes@springvale-co.example,Parks,dreyes\n"
       "Lee Okafor,lokafor@springvale-co.example,Parks,lokafor\n")


def upload(api: TestClient, data: bytes, **form: str) -> Any:
    return api.post("/people/import", data={"csrf_token": page_token(api, "/people/import"), **form},
                    files={"file": ("people.csv", data, "text/csv")})


def test_a_csv_import_checks_every_row_first(attorney: TestClient, database: Database) -> None:
    before = actions(database)
    bad = upload(attorney, (CSV + "Sam,not-an-address,,\n").encode())
    assert bad.status_code == 400
    assert "Line 4" in bad.text and "nothing was imported" in bad.text
    dry = upload(attorney, CSV.encode(), dry_run="yes")
    assert "A dry run: nothing was changed. 2 created" in dry.text
    empty = attorney.post("/people/import", data={"csrf_token": page_token(attorney, "/people/import")})
    assert empty.status_code == 400 and "Choose a CSV file" in empty.text
    assert actions(database) == before
    done = upload(attorney, CSV.encode())
    assert "2 created, 0 updated, 0 unchanged" in done.text
    assert actions(database)[-1] == "person.import"
    assert "Lee Okafor" in attorney.get("/people").text
