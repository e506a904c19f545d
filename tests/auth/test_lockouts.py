"""Too many failed sign-ins lock a username or a client address; admins see and lift lock-outs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from app.auth import credentials, service, throttle
from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.main import create_app
from app.models import LockKind, Lockout, Role, User
from tests.conftest import TEST_PASSWORD, MakeUser

PER_USERNAME, PER_ADDRESS = 3, 5
HOME, ELSEWHERE = "203.0.113.7", "198.51.100.23"


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings.model_copy(update={
        "sign_in_failures_per_username": PER_USERNAME, "sign_in_failures_per_address": PER_ADDRESS,
    }))


@contextmanager
def client_from(app: FastAPI, address: str) -> Iterator[TestClient]:
    with TestClient(app, client=(address, 50000)) as client:
        yield client


@pytest.fixture
def home(app: FastAPI) -> Iterator[TestClient]:
    with client_from(app, HOME) as client:
        yield client


def attempt(client: TestClient, username: str, password: str = "wrong password") -> httpx.Response:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def bearer(client: TestClient, user: User) -> dict[str, str]:
    response = attempt(client, user.username, TEST_PASSWORD)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def audit(client: TestClient, headers: dict[str, str], action: str) -> list[dict]:
    response = client.get("/api/v1/audit", params={"action": action, "limit": 500}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def trail_length(client: TestClient, headers: dict[str, str]) -> int:
    total: int = client.get("/api/v1/audit", headers=headers).json()["total"]
    return total


def assert_locked(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "too_many_requests"
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60


def test_wrong_passwords_lock_the_username_whatever_the_next_password(
    home: TestClient, make_user: MakeUser
) -> None:
    clerk, colleague = make_user(Role.clerk), make_user(Role.clerk)
    answers = [attempt(home, clerk.username) for _ in range(PER_USERNAME)]
    assert [a.status_code for a in answers[:-1]] == [401] * (PER_USERNAME - 1)
    assert_locked(answers[-1])  # the failure that locks already says so
    assert_locked(attempt(home, clerk.username, TEST_PASSWORD))  # a right password changes nothing
    assert_locked(attempt(home, clerk.username))
    assert attempt(home, colleague.username, TEST_PASSWORD).status_code == 200


def test_a_locked_answer_does_not_tell_whether_the_name_exists(
    home: TestClient, make_user: MakeUser
) -> None:
    clerk = make_user(Role.clerk)
    for name in (clerk.username, "no-such-person"):
        for _ in range(PER_USERNAME):
            attempt(home, name)
    real, made_up = attempt(home, clerk.username, TEST_PASSWORD), attempt(home, "no-such-person")
    for response in (real, made_up):
        assert_locked(response)
    assert real.json()["detail"] == made_up.json()["detail"]
    # Each is locked from its own last failure, a moment apart.
    assert abs(int(real.headers["retry-after"]) - int(made_up.headers["retry-after"])) <= 2


def test_failures_from_one_address_across_usernames_lock_the_address(
    app: FastAPI, home: TestClient, make_user: MakeUser
) -> None:
    clerk = make_user(Role.clerk)
    answers = [attempt(home, f"guess-{n}") for n in range(PER_ADDRESS)]
    assert [a.status_code for a in answers[:-1]] == [401] * (PER_ADDRESS - 1)
    assert_locked(answers[-1])
    assert_locked(attempt(home, clerk.username, TEST_PASSWORD))
    with client_from(app, ELSEWHERE) as elsewhere:
        assert attempt(elsewhere, clerk.username, TEST_PASSWORD).status_code == 200


def test_a_lock_out_ends_on_time_and_its_failures_do_not_count_again(
    app: FastAPI, home: TestClient, make_user: MakeUser, database: Database
) -> None:
    clerk = make_user(Role.clerk)
    for _ in range(PER_USERNAME):
        attempt(home, clerk.username)
    assert_locked(attempt(home, clerk.username, TEST_PASSWORD))
    with database.transaction() as session:  # as if the lock-out's minutes had passed
        session.execute(text("UPDATE sign_in_lockouts SET locked_until = locked_at"))
    with client_from(app, ELSEWHERE) as elsewhere:  # whose address has no failures to count
        assert attempt(elsewhere, clerk.username).status_code == 401  # a fresh count, no new lock
        assert attempt(elsewhere, clerk.username, TEST_PASSWORD).status_code == 200
        for _ in range(PER_USERNAME - 1):
            attempt(elsewhere, clerk.username)
        assert_locked(attempt(elsewhere, clerk.username, TEST_PASSWORD))  # locked anew
    with database.reading() as session:
        lockout = session.scalars(select(Lockout).where(Lockout.kind == LockKind.username)).one()
    assert lockout.is_active(database.clock.now())  # the same row, renewed


def test_an_admin_lists_and_lifts_a_lock_out_and_both_are_audited(
    home: TestClient, make_user: MakeUser
) -> None:
    admin_user, clerk = make_user(Role.admin), make_user(Role.clerk)
    admin = bearer(home, admin_user)
    for _ in range(PER_USERNAME):
        attempt(home, clerk.username)
    listed = home.get("/api/v1/auth/lockouts", headers=admin)
    assert listed.status_code == 200
    assert listed.json()["total"] == 1
    lockout = listed.json()["items"][0]
    assert (lockout["kind"], lockout["subject"], lockout["failures"]) == (
        "username", clerk.username, PER_USERNAME)
    assert lockout["lifted_at"] is None

    lifted = home.delete(f"/api/v1/auth/lockouts/{lockout['id']}", headers=admin)
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["lifted_by"] == admin_user.username
    assert attempt(home, clerk.username, TEST_PASSWORD).status_code == 200
    assert home.get("/api/v1/auth/lockouts", headers=admin).json()["items"] == []
    again = home.delete(f"/api/v1/auth/lockouts/{lockout['id']}", headers=admin)
    assert again.status_code == 409

    [locked] = audit(home, admin, "auth.lockout")
    assert locked["object_id"] == lockout["id"]
    assert locked["client_address"] == HOME
    assert locked["details"]["kind"] == "username"
    assert locked["details"]["subject"] == clerk.username
    assert locked["details"]["reason"] == (
        f"{PER_USERNAME} failed sign-ins for this username within 15 minutes")
    [lift] = audit(home, admin, "auth.lockout_lift")
    assert lift["actor"] == admin_user.username
    assert lift["details"]["before"]["lifted_at"] is None
    assert lift["details"]["after"]["lifted_by"] == admin_user.username


def test_every_refused_attempt_is_audited(home: TestClient, make_user: MakeUser) -> None:
    clerk = make_user(Role.clerk)
    for _ in range(PER_USERNAME):
        attempt(home, clerk.username)
    attempt(home, clerk.username, TEST_PASSWORD)
    auditor = bearer(home, make_user(Role.auditor))
    reasons = [f["details"]["reason"] for f in audit(home, auditor, "auth.login_failed")
               if f["object_id"] == clerk.username]
    assert reasons == ["wrong password"] * PER_USERNAME + ["locked out"]


def test_only_admins_see_or_lift_lock_outs_and_an_unknown_one_is_404(
    home: TestClient, make_user: MakeUser
) -> None:
    clerk = bearer(home, make_user(Role.clerk, Role.attorney, Role.auditor))
    admin = bearer(home, make_user(Role.admin))
    for _ in range(PER_USERNAME):
        attempt(home, "someone")
    [lockout] = home.get("/api/v1/auth/lockouts", headers=admin).json()["items"]
    assert home.get("/api/v1/auth/lockouts", headers=clerk).status_code == 403
    assert home.delete(f"/api/v1/auth/lockouts/{lockout['id']}", headers=clerk).status_code == 403
    trail = trail_length(home, admin)
    unknown = home.delete("/api/v1/auth/lockouts/00000000-0000-0000-0000-000000000001", headers=admin)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"
    assert trail_length(home, admin) == trail
    assert home.get("/api/v1/auth/lockouts", headers=admin).json()["items"] == [lockout]


def test_an_overlong_username_is_a_validation_error(home: TestClient) -> None:
    response = attempt(home, "x" * 300)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", "username"]


@pytest.mark.parametrize("case", ["unknown user", "inactive user", "locked out", "wrong password"])
def test_the_password_is_checked_whatever_the_outcome(
    case: str, settings: Settings, database: Database, make_user: MakeUser, actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """So that no answer comes sooner than another and gives away the name or the lock."""
    user = make_user(Role.clerk)
    rules = {kind: throttle.Limit(1, limit.window, limit.lock)
             for kind, limit in throttle.limits(settings).items()}
    with database.transaction() as session:
        if case == "inactive user":
            session.get_one(User, user.id).is_active = False
        if case == "locked out":
            assert service.authenticate(session, actor, user.username, "wrong", rules)
    checked: list[str] = []
    real: Callable[[str | None, str], bool] = credentials.password_matches
    monkeypatch.setattr(credentials, "password_matches",
                        lambda stored, given: checked.append(given) or real(stored, given))
    name = "no-such-person" if case == "unknown user" else user.username
    with database.transaction() as session:
        outcome = service.authenticate(session, actor, name, "a guess", rules)
    assert checked == ["a guess"]
    assert not isinstance(outcome, User)
