"""The directory through the API: people, their addresses and custodian names, audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from app.core.db import Database
from app.people import service
from tests.people.conftest import Headers, audit_of, counts, ingested_custodians, problem

MakePerson = Callable[..., dict[str, Any]]
PEOPLE = "/api/v1/people"


def test_create_get_and_list(api: TestClient, attorney: Headers, database: Database,
                             make_person: MakePerson) -> None:
    boss = make_person("Ruth Okafor", "ruth.okafor@city.example.gov", department="Public Works")
    made = api.post(PEOPLE, headers=attorney, json={
        "name": "  Lee Marsh ", "department": "Public Works", "title": "Crew lead",
        "supervisor_id": boss["id"], "custodians": ["marsh-l"],
        "emails": [{"address": "Lee.Marsh@City.Example.gov"},
                   {"address": "lmarsh@old.example.gov", "current": False}]})
    assert made.status_code == 201, made.text
    person = made.json()
    assert person["name"] == "Lee Marsh" and person["status"] == "active"
    assert person["emails"] == [{"address": "lee.marsh@city.example.gov", "current": True},
                                {"address": "lmarsh@old.example.gov", "current": False}]
    assert person["custodians"] == ["marsh-l"]
    assert person["supervisor"] == {"id": boss["id"], "name": "Ruth Okafor"}
    assert api.get(f"{PEOPLE}/{person['id']}", headers=attorney).json() == person
    make_person("Ana Pike", "ana.pike@city.example.gov", department="Parks")

    listed = api.get(PEOPLE, headers=attorney).json()
    assert [p["name"] for p in listed["items"]] == ["Ana Pike", "Lee Marsh", "Ruth Okafor"]
    assert listed["total"] == 3
    works = api.get(PEOPLE, headers=attorney, params={"department": "public works"}).json()
    assert [p["name"] for p in works["items"]] == ["Lee Marsh", "Ruth Okafor"]
    named = api.get(PEOPLE, headers=attorney, params={"q": "MARS"}).json()
    assert [p["name"] for p in named["items"]] == ["Lee Marsh"]
    assert api.get(PEOPLE, headers=attorney, params={"q": "%"}).json()["total"] == 0
    paged = api.get(PEOPLE, headers=attorney, params={"limit": 1, "offset": 1}).json()
    assert [p["name"] for p in paged["items"]] == ["Lee Marsh"] and paged["total"] == 3
    problem(api.get(PEOPLE, headers=attorney, params={"status": "retired"}), 422)
    problem(api.get(f"{PEOPLE}/{uuid.uuid4()}", headers=attorney), 404, "not_found")

    created = audit_of(database, "person.create")
    assert len(created) == 3
    assert created[1].details["after"]["emails"] == {"lee.marsh@city.example.gov": True,
                                                     "lmarsh@old.example.gov": False}
    assert created[1].object_id == person["id"]


def test_bad_creates_change_nothing(api: TestClient, attorney: Headers, database: Database,
                                    make_person: MakePerson) -> None:
    make_person("Ruth Okafor", "ruth.okafor@city.example.gov", custodians=["okafor-r"])
    before = counts(database)
    bad = [
        ({"name": ""}, 422, "validation_error"),
        ({"name": "X", "status": "departed"}, 422, "validation_error"),
        ({"name": "X", "emails": [{"address": "not an address"}]}, 400, "bad_request"),
        ({"name": "X", "emails": [{"address": "a@b.example, c@d.example"}]}, 400, "bad_request"),
        ({"name": "X", "emails": [{"address": "x@city.example.gov"},
                                  {"address": "X@city.example.gov"}]}, 400, "bad_request"),
        ({"name": "X", "emails": [{"address": "RUTH.okafor@city.example.gov"}]}, 409,
         "address_taken"),
        ({"name": "X", "custodians": ["okafor-r"]}, 409, "custodian_taken"),
        ({"name": "X", "supervisor_id": str(uuid.uuid4())}, 400, "bad_request"),
    ]
    for body, status, code in bad:
        problem(api.post(PEOPLE, headers=attorney, json=body), status, code)
    assert counts(database) == before


def test_update_and_supervisor_rules(api: TestClient, attorney: Headers, database: Database,
                                     make_person: MakePerson) -> None:
    top = make_person("Ruth Okafor", "ruth@city.example.gov")
    middle = make_person("Lee Marsh", "lee@city.example.gov", supervisor_id=top["id"])
    low = make_person("Ana Pike", "ana@city.example.gov", supervisor_id=middle["id"])
    changed = api.patch(f"{PEOPLE}/{low['id']}", headers=attorney,
                        json={"title": "Planner", "supervisor_id": top["id"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Planner"
    assert changed.json()["supervisor"]["id"] == top["id"]
    [entry] = audit_of(database, "person.update")
    assert entry.details["before"]["supervisor_id"] == middle["id"]
    assert entry.details["after"]["supervisor_id"] == top["id"]
    assert entry.details["after"]["title"] == "Planner"

    before = counts(database)
    url = f"{PEOPLE}/{top['id']}"
    problem(api.patch(url, headers=attorney, json={"supervisor_id": top["id"]}), 400,
            "supervisor_cycle")
    problem(api.patch(url, headers=attorney, json={"supervisor_id": low["id"]}), 400,
            "supervisor_cycle")
    problem(api.patch(url, headers=attorney, json={"supervisor_id": str(uuid.uuid4())}), 400)
    problem(api.patch(url, headers=attorney, json={"name": None}), 400)
    problem(api.patch(url, headers=attorney, json={"status": "departed"}), 422)
    problem(api.patch(f"{PEOPLE}/{uuid.uuid4()}", headers=attorney, json={"title": "x"}), 404)
    assert counts(database) == before
    assert api.get(url, headers=attorney).json()["supervisor"] is None

    cleared = api.patch(f"{PEOPLE}/{low['id']}", headers=attorney, json={"supervisor_id": None})
    assert cleared.json()["supervisor"] is None


def test_depart_keeps_addresses_and_names(api: TestClient, attorney: Headers,
                                          database: Database, make_person: MakePerson) -> None:
    person = make_person("Lee Marsh", "lee@city.example.gov", custodians=["marsh-l"])
    url = f"{PEOPLE}/{person['id']}/depart"
    before = counts(database)
    problem(api.post(url, headers=attorney, json={"departed_on": "2026-07-02"}), 400)
    problem(api.post(url, headers=attorney, json={"departed_on": "June 30"}), 422)
    problem(api.post(url, headers=attorney, json={}), 422)
    assert counts(database) == before
    gone = api.post(url, headers=attorney, json={"departed_on": "2026-06-30"})
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "departed" and gone.json()["departed_on"] == "2026-06-30"
    assert gone.json()["emails"] == person["emails"]
    assert gone.json()["custodians"] == ["marsh-l"]
    problem(api.post(url, headers=attorney, json={"departed_on": "2026-06-30"}), 409)
    [entry] = audit_of(database, "person.depart")
    assert entry.details["before"]["status"] == "active"
    assert entry.details["after"]["departed_on"] == "2026-06-30"
    departed = api.get(PEOPLE, headers=attorney, params={"status": "departed"}).json()
    assert [p["id"] for p in departed["items"]] == [person["id"]]
    assert api.get(PEOPLE, headers=attorney, params={"status": "active"}).json()["total"] == 0


def test_addresses(api: TestClient, attorney: Headers, database: Database,
                   make_person: MakePerson) -> None:
    lee = make_person("Lee Marsh", "lee@city.example.gov")
    ana = make_person("Ana Pike", "ana@city.example.gov")
    url = f"{PEOPLE}/{lee['id']}/emails"
    added = api.post(url, headers=attorney, json={"address": "L.Marsh@Old.Example.gov",
                                                  "current": False})
    assert added.status_code == 201, added.text
    assert {"address": "l.marsh@old.example.gov", "current": False} in added.json()["emails"]
    [entry] = audit_of(database, "person.email_add")
    assert entry.details["address"] == "l.marsh@old.example.gov"
    assert "l.marsh@old.example.gov" not in entry.details["before"]["emails"]
    assert entry.details["after"]["emails"]["l.marsh@old.example.gov"] is False

    before = counts(database)
    taken = problem(api.post(url, headers=attorney, json={"address": "ANA@city.example.gov"}),
                    409, "address_taken")
    assert taken["person_id"] == ana["id"]
    problem(api.post(url, headers=attorney, json={"address": "lee@city.example.gov"}), 409)
    problem(api.post(url, headers=attorney, json={"address": "lee@city"}), 400)
    problem(api.post(url, headers=attorney, json={"address": "x@y.example\r\nBcc: z@z.example"}),
            400)
    problem(api.post(url, headers=attorney, json={"address": "x@y.example", "primary": True}),
            422)
    problem(api.delete(f"{url}/ana@city.example.gov", headers=attorney), 404)
    problem(api.delete(f"{url}/nobody@city.example.gov", headers=attorney), 404)
    assert counts(database) == before

    old = api.patch(f"{url}/LEE@city.example.gov", headers=attorney, json={"current": False})
    assert old.status_code == 200, old.text
    assert {"address": "lee@city.example.gov", "current": False} in old.json()["emails"]
    assert len(audit_of(database, "person.email_update")) == 1
    removed = api.delete(f"{url}/l.marsh@old.example.gov", headers=attorney)
    assert removed.status_code == 200
    assert [e["address"] for e in removed.json()["emails"]] == ["lee@city.example.gov"]
    [entry] = audit_of(database, "person.email_remove")
    assert "l.marsh@old.example.gov" in entry.details["before"]["emails"]
    # a removed address is free again
    moved = api.post(f"{PEOPLE}/{ana['id']}/emails", headers=attorney,
                     json={"address": "l.marsh@old.example.gov"})
    assert moved.status_code == 201


def test_custodian_names(api: TestClient, attorney: Headers, database: Database,
                         make_person: MakePerson) -> None:
    ingested_custodians(database, "marsh-l", "pike-a", "okafor-r")
    lee = make_person("Lee Marsh", "lee@city.example.gov")
    ana = make_person("Ana Pike", "ana@city.example.gov")
    unmapped = api.get(f"{PEOPLE}/unmapped-custodians", headers=attorney).json()
    assert unmapped == {"items": ["marsh-l", "okafor-r", "pike-a"], "total": 3, "offset": 0,
                        "limit": 50}
    url = f"{PEOPLE}/{lee['id']}/custodians"
    mapped = api.post(url, headers=attorney, json={"custodian": "marsh-l"})
    assert mapped.status_code == 201, mapped.text
    assert mapped.json()["custodians"] == ["marsh-l"]
    api.post(url, headers=attorney, json={"custodian": "lee-archive"})
    api.post(f"{PEOPLE}/{ana['id']}/custodians", headers=attorney, json={"custodian": "pike-a"})
    assert api.get(f"{PEOPLE}/unmapped-custodians", headers=attorney).json()["items"] == [
        "okafor-r"]

    before = counts(database)
    problem(api.post(f"{PEOPLE}/{ana['id']}/custodians", headers=attorney,
                     json={"custodian": "marsh-l"}), 409, "custodian_taken")
    problem(api.post(url, headers=attorney, json={"custodian": "marsh-l"}), 409)
    problem(api.post(url, headers=attorney, json={"custodian": " "}), 422)
    problem(api.delete(f"{url}/pike-a", headers=attorney), 404)
    assert counts(database) == before

    with database.reading() as session:
        found = service.people_for_custodians(session, ["marsh-l", "pike-a", "okafor-r"])
        assert {name: str(p.id) for name, p in found.items()} == {
            "marsh-l": lee["id"], "pike-a": ana["id"]}
        assert service.custodian_names(session, [uuid.UUID(lee["id"])]) == {
            "marsh-l", "lee-archive"}
        assert service.custodian_names(session, []) == set()
        assert service.unmapped_custodians(session) == ["okafor-r"]

    unmapped_ok = api.delete(f"{url}/marsh-l", headers=attorney)
    assert unmapped_ok.json()["custodians"] == ["lee-archive"]
    assert [e.details["custodian"] for e in audit_of(database, "person.custodian_map")] == [
        "marsh-l", "lee-archive", "pike-a"]
    [entry] = audit_of(database, "person.custodian_unmap")
    assert entry.details["before"]["custodians"] == ["lee-archive", "marsh-l"]
    assert entry.details["after"]["custodians"] == ["lee-archive"]


def test_names_with_a_slash_and_ids_that_are_not_ids(api: TestClient, attorney: Headers,
                                                     make_person: MakePerson) -> None:
    lee = make_person("Lee Marsh", "lee/parks@city.example.gov", custodians=["parks/marsh-l"])
    url = f"{PEOPLE}/{lee['id']}"
    assert api.delete(f"{url}/custodians/parks/marsh-l", headers=attorney).json()[
        "custodians"] == []
    assert api.patch(f"{url}/emails/lee/parks@city.example.gov", headers=attorney,
                     json={"current": False}).json()["emails"][0]["current"] is False
    problem(api.get(f"{PEOPLE}/not-an-id", headers=attorney), 404)
    problem(api.patch(f"{PEOPLE}/import", headers=attorney, json={}), 405)
