"""Attorneys and admins keep the directory; clerks and auditors read it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.models import Role, User
from tests.conftest import MakeUser
from tests.people.conftest import Headers

MANAGE = {Role.attorney, Role.admin}
CSV = "name,emails\nNew Person,new.person@city.example.gov\n"


@pytest.mark.parametrize("role", list(Role))
def test_who_may_do_what(api: TestClient, make_user: MakeUser, login: Callable[[User], Headers],
                         attorney: Headers, role: Role) -> None:
    made = api.post("/api/v1/people", headers=attorney, json={
        "name": "Lee Marsh", "emails": [{"address": "lee@city.example.gov"}],
        "custodians": ["marsh-l"]}).json()
    headers = login(make_user(role))
    url = f"/api/v1/people/{made['id']}"
    reads = [api.get("/api/v1/people", headers=headers), api.get(url, headers=headers)]
    assert {answer.status_code for answer in reads} == {200}
    writes = [
        api.post("/api/v1/people", headers=headers, json={"name": "Ana Pike"}),
        api.patch(url, headers=headers, json={"title": "Crew lead"}),
        api.post(f"{url}/emails", headers=headers, json={"address": "lm@city.example.gov"}),
        api.patch(f"{url}/emails/lm@city.example.gov", headers=headers, json={"current": False}),
        api.delete(f"{url}/emails/lm@city.example.gov", headers=headers),
        api.post(f"{url}/custodians", headers=headers, json={"custodian": "lee-2"}),
        api.delete(f"{url}/custodians/lee-2", headers=headers),
        api.post(f"{url}/depart", headers=headers, json={"departed_on": "2026-06-30"}),
        api.post("/api/v1/people/import", headers={**headers, "content-type": "text/csv"},
                 content=CSV),
        api.get("/api/v1/people/unmapped-custodians", headers=headers),
    ]
    codes = [answer.status_code for answer in writes]
    if role in MANAGE:
        assert codes == [201, 200, 201, 200, 200, 201, 200, 200, 200, 200], codes
    else:
        assert set(codes) == {403}, codes
        assert api.get(url, headers=attorney).json() == made
        assert api.get("/api/v1/people", headers=attorney).json()["total"] == 1
    for answer in writes:
        if answer.status_code >= 400:
            assert answer.headers["content-type"] == "application/problem+json"


def test_nobody_signed_out(api: TestClient) -> None:
    for answer in (api.get("/api/v1/people"), api.post("/api/v1/people", json={"name": "X"}),
                   api.post("/api/v1/people/import", content=CSV,
                            headers={"content-type": "text/csv"})):
        assert answer.status_code == 401
