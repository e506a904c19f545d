"""The `custodia` command: configuration errors, users, migrations, audit verify."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.db import Database
from tests.audit.test_chain import behind_the_back

CUSTODIA = str(Path(sys.executable).parent / "custodia")


def run(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CUSTODIA, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {"CUSTODIA_DATA_DIR": str(tmp_path / "var")}


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("custodia: ")
    return lines[0]


def test_malformed_database_url_stops_start_up(cli_env: dict[str, str]) -> None:
    result = run("serve", env={**cli_env, "CUSTODIA_DATABASE_URL": "postgres//nohost"})
    assert "CUSTODIA_DATABASE_URL" in one_line_error(result)


def test_unreachable_database_stops_start_up(cli_env: dict[str, str], unused_port: int) -> None:
    url = f"postgresql+psycopg://custodia:x@127.0.0.1:{unused_port}/custodia"
    result = run("serve", env={**cli_env, "CUSTODIA_DATABASE_URL": url})
    assert "cannot connect to the database" in one_line_error(result)


def test_unreachable_elasticsearch_stops_start_up(
    cli_env: dict[str, str], unused_port: int
) -> None:
    env = {**cli_env, "CUSTODIA_ELASTICSEARCH_URL": f"http://127.0.0.1:{unused_port}",
           "CUSTODIA_SERVICE_TIMEOUT_SECONDS": "1"}
    line = one_line_error(run("serve", env=env))
    assert f"127.0.0.1:{unused_port}" in line
    assert "CUSTODIA_ELASTICSEARCH_URL" in line


@pytest.mark.parametrize("secret", [None, "short"])
def test_placeholder_secret_stops_production(cli_env: dict[str, str], secret: str | None) -> None:
    env = {**cli_env, "CUSTODIA_ENV": "production"}
    if secret:
        env["CUSTODIA_SECRET_KEY"] = secret
    assert "CUSTODIA_SECRET_KEY" in one_line_error(run("serve", env=env))


@pytest.mark.parametrize("key", [None, "not-a-fernet-key"])
def test_production_needs_a_credentials_key(cli_env: dict[str, str], key: str | None) -> None:
    """Stored mail-server passwords are encrypted under it: no start without one."""
    env = {**cli_env, "CUSTODIA_ENV": "production", "CUSTODIA_SECRET_KEY": "s" * 48}
    if key:
        env["CUSTODIA_CREDENTIALS_KEY"] = key
    assert "CUSTODIA_CREDENTIALS_KEY" in one_line_error(run("serve", env=env))


def test_an_invalid_setting_names_the_variable(cli_env: dict[str, str]) -> None:
    result = run("migrate", env={**cli_env, "CUSTODIA_TIME_ZONE": "Mars/Olympus"})
    assert "CUSTODIA_TIME_ZONE" in one_line_error(result)


def test_user_add_prints_a_generated_password_that_signs_in(cli_env: dict[str, str]) -> None:
    added = run("user", "add", "mdelgado", "--role", "clerk", "--role", "attorney", env=cli_env)
    assert added.returncode == 0, added.stderr
    assert "Added mdelgado (attorney, clerk)" in added.stdout
    password = added.stdout.split("Password: ")[1].strip()
    assert len(password) >= 16
    again = run("user", "add", "mdelgado", "--role", "clerk", env=cli_env)
    assert "already exists" in one_line_error(again)
    bad_role = run("user", "add", "x", "--role", "mayor", env=cli_env)
    assert bad_role.returncode != 0


def test_audit_verify_exit_status_follows_the_chain(cli_env: dict[str, str], tmp_path: Path) -> None:
    for name in ("a1", "a2", "a3"):
        assert run("user", "add", name, "--role", "clerk", env=cli_env).returncode == 0
    intact = run("audit", "verify", env={**cli_env, "COLUMNS": "80"})
    assert intact.returncode == 0, intact.stderr
    assert "intact: 3 entries" in intact.stdout
    assert re.search(r"head 3 [0-9a-f]{64}\n", intact.stdout)  # the hash is never wrapped
    database = Database(f"sqlite:///{tmp_path / 'var' / 'custodia.db'}")
    behind_the_back(database, "DELETE FROM audit_entries WHERE seq = 2")
    database.dispose()
    broken = run("audit", "verify", env=cli_env)
    assert broken.returncode == 1
    assert "BROKEN at entry 3" in broken.stderr
