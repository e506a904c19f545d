"""Every error is RFC 9457 problem+json; 422 only for payload validation."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.models import Role, User
from tests.conftest import MakeUser


def test_unknown_routes_answer_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "req-42"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["instance"] == "/api/v1/no-such-thing"
    assert body["request_id"] == "req-42"
    assert response.headers["x-request-id"] == "req-42"


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_wrong_method_names_every_method_the_path_answers(client: TestClient) -> None:
    """RFC 9110: a 405's Allow lists the resource's methods, not one route's (found by
    schemathesis: OPTIONS /api/v1/users answered `Allow: GET`)."""
    for path, allowed in (("/api/v1/users", "GET, POST"), ("/api/v1/health", "GET"),
                          ("/api/v1/saved-searches/00000000-0000-0000-0000-000000000000",
                           "DELETE, GET")):
        response = client.options(path)
        assert response.status_code == 405
        assert response.headers["allow"] == allowed, path
        assert response.headers["content-type"] == "application/problem+json"


def test_a_malformed_payload_is_422_with_locations(client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", data={"username": "only"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert ["body", "password"] in [error["location"] for error in body["errors"]]


def test_unsafe_request_ids_are_replaced(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert len(response.headers["x-request-id"]) == 32


def test_an_unknown_query_parameter_is_refused_not_ignored(
    client: TestClient, make_user: MakeUser, sign_in: Callable[[User], dict[str, str]]
) -> None:
    """A mistyped filter must not answer as if there were no filter."""
    clerk = sign_in(make_user(Role.clerk))
    assert client.get("/api/v1/requests?status=closed", headers=clerk).status_code == 200
    answer = client.get("/api/v1/requests?stauts=closed", headers=clerk)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "unknown_query_parameter"
    assert "stauts" in problem["detail"] and "status" in problem["detail"]
    paged = client.get("/api/v1/audit?limit=5&offest=5", headers=clerk)
    assert paged.status_code in (400, 403)  # a clerk may not read the trail; either way not 200
