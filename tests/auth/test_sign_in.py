"""People sign in with a password; city systems use long-lived API tokens."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.models import Role, User
from tests.conftest import MakeUser

Headers = Callable[[User], dict[str, str]]


def audit_actions(client: TestClient, headers: dict[str, str], action: str) -> list[dict]:
    response = client.get("/api/v1/audit", params={"action": action}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_password_sign_in_gives_a_bearer_token(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    user = make_user(Role.clerk, Role.attorney)
    me = client.get("/api/v1/auth/me", headers=sign_in(user))
    assert me.status_code == 200
    assert me.json()["username"] == user.username
    assert sorted(me.json()["roles"]) == ["attorney", "clerk"]
    assert me.json()["via"] == "password"


def test_failed_sign_ins_are_refused_and_audited(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    user = make_user(Role.clerk)
    wrong = client.post("/api/v1/auth/token", data={"username": user.username, "password": "nope"})
    unknown = client.post("/api/v1/auth/token", data={"username": "ghost", "password": "nope"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    auditor = sign_in(make_user(Role.auditor))
    failures = audit_actions(client, auditor, "auth.login_failed")
    assert [(f["object_id"], f["details"]["reason"]) for f in failures] == [
        (user.username, "wrong password"), ("ghost", "unknown user")]
    assert {f["client_address"] for f in failures} == {"203.0.113.7"}


def test_a_tampered_or_foreign_token_is_refused(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    headers = sign_in(make_user(Role.clerk))
    forged = {"Authorization": headers["Authorization"][:-4] + "AAAA"}
    assert client.get("/api/v1/auth/me", headers=forged).status_code == 401
    assert client.get("/api/v1/auth/me",
                      headers={"Authorization": "Bearer cus_notarealtoken"}).status_code == 401


def test_api_tokens_act_as_their_user_until_revoked(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    admin = sign_in(make_user(Role.admin))
    system = make_user(Role.clerk, username="permits-system")
    issued = client.post("/api/v1/auth/api-tokens", headers=admin,
                         json={"name": "permits", "username": system.username})
    assert issued.status_code == 201, issued.text
    secret = issued.json()["token"]
    assert secret.startswith("cus_")
    as_system = {"Authorization": f"Bearer {secret}"}
    me = client.get("/api/v1/auth/me", headers=as_system)
    assert me.json()["username"] == "permits-system"
    assert me.json()["via"] == "api_token:permits"
    listed = client.get("/api/v1/auth/api-tokens", headers=admin).json()["items"]
    assert "token" not in listed[0]
    revoked = client.delete(f"/api/v1/auth/api-tokens/{issued.json()['id']}", headers=admin)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/auth/me", headers=as_system).status_code == 401
    again = client.delete(f"/api/v1/auth/api-tokens/{issued.json()['id']}", headers=admin)
    assert again.status_code == 409


def test_a_token_lifetime_is_a_whole_number_of_days(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    admin, system = sign_in(make_user(Role.admin)), make_user(Role.clerk)
    for days in ("30", 30.0, 0, True):
        answer = client.post("/api/v1/auth/api-tokens", headers=admin,
                             json={"name": "permits", "username": system.username, "lifetime_days": days})
        assert answer.status_code == 422, days
    assert client.get("/api/v1/auth/api-tokens", headers=admin).json()["total"] == 0


def test_admins_create_users_and_the_change_is_audited(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    admin_user = make_user(Role.admin, Role.auditor)
    admin = sign_in(admin_user)
    body = {"username": "jcho", "roles": ["clerk"], "password": "a long enough passphrase"}
    created = client.post("/api/v1/users", headers=admin, json=body)
    assert created.status_code == 201, created.text
    duplicate = client.post("/api/v1/users", headers=admin, json=body)
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "conflict"
    entry = audit_actions(client, admin, "user.create")[-1]
    assert entry["actor"] == admin_user.username
    assert entry["details"]["after"]["roles"] == ["clerk"]
    assert "password" not in str(entry["details"])
    signed = client.post("/api/v1/auth/token",
                         data={"username": "jcho", "password": "a long enough passphrase"})
    assert signed.status_code == 200


def test_a_short_password_is_a_validation_error(
    client: TestClient, make_user: MakeUser, sign_in: Headers
) -> None:
    admin = sign_in(make_user(Role.admin))
    response = client.post("/api/v1/users", headers=admin,
                           json={"username": "x", "roles": ["clerk"], "password": "short"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", "password"]

