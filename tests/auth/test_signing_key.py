"""Sign-in tokens are signed with the data directory's key or the configured one, never a
public placeholder: a token forged with the old default is refused in every mode."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from jwt.warnings import InsecureKeyLengthWarning

from app.auth import credentials
from app.core.secrets import PLACEHOLDER_SECRET
from app.core.settings import ConfigurationError, Settings
from app.main import create_app
from app.models import Role, User
from tests.conftest import TEST_CREDENTIALS_KEY, TEST_PASSWORD, TEST_SECRET, MakeUser

MODES = ["development", "test", "production"]


def app_settings(env: str, data_dir: Path, database_url: str, **values: str) -> Settings:
    if env == "production":  # production never generates a key
        values.setdefault("secret_key", TEST_SECRET)
        values.setdefault("credentials_key", TEST_CREDENTIALS_KEY)
    return Settings(env=env, data_dir=data_dir, database_url=database_url, in_process_worker=False,
                    **values)


@pytest.fixture
def admin(make_user: MakeUser) -> User:
    return make_user(Role.admin)


@contextmanager
def client_for(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def forged_token(user_id: uuid.UUID) -> str:
    with pytest.warns(InsecureKeyLengthWarning):  # PyJWT itself calls the placeholder too short
        token, _ = credentials.issue_access_token(user_id, PLACEHOLDER_SECRET, timedelta(hours=1),
                                                 datetime.now(UTC))
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(client: TestClient, user: User) -> str:
    response = client.post("/api/v1/auth/token",
                           data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@pytest.mark.parametrize("env", MODES)
def test_a_token_forged_with_the_old_placeholder_is_refused(
    env: str, tmp_path: Path, database_url: str, admin: User
) -> None:
    with client_for(app_settings(env, tmp_path / "var", database_url)) as client:
        assert client.get("/api/v1/users", headers=bearer(forged_token(admin.id))).status_code == 401
        assert client.get("/api/v1/users", headers=bearer(sign_in(client, admin))).status_code == 200


@pytest.mark.parametrize("env", MODES)
def test_an_app_configured_with_the_placeholder_does_not_start(
    env: str, tmp_path: Path, database_url: str
) -> None:
    settings = app_settings(env, tmp_path / "var", database_url, secret_key=PLACEHOLDER_SECRET)
    with pytest.raises(ConfigurationError, match="CUSTODIA_SECRET_KEY is a placeholder"):
        create_app(settings)


def test_apps_on_one_data_directory_agree_on_the_key(
    tmp_path: Path, database_url: str, admin: User
) -> None:
    """Another API process, or the same one after a restart, accepts the token."""
    def answer(data_dir: Path, token: str, **values: str) -> int:
        settings = app_settings("development", data_dir, database_url, **values)
        with client_for(settings) as client:
            return client.get("/api/v1/auth/me", headers=bearer(token)).status_code

    with client_for(app_settings("development", tmp_path / "var", database_url)) as client:
        token = sign_in(client, admin)
    assert answer(tmp_path / "var", token) == 200
    assert answer(tmp_path / "elsewhere", token) == 401
    assert answer(tmp_path / "var", token, secret_key=TEST_SECRET) == 401
