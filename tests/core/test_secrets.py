"""Secrets come from settings or, outside production, a 0600 file kept in the data directory."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.core.secrets import (
    CREDENTIALS_KEY,
    PLACEHOLDER_SECRET,
    SIGNING_KEY,
    _create,
    credentials_key,
    resolve,
    signing_key,
)
from app.core.settings import ConfigurationError, Settings
from app.core.startup import check_secret

MODES = ["development", "test", "production"]


def settings_for(data_dir: Path, env: str = "development", **values: str) -> Settings:
    return Settings(env=env, data_dir=data_dir, **values)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("env", ["development", "test"])
def test_outside_production_a_key_is_made_once_per_data_directory(tmp_path: Path, env: str) -> None:
    first = signing_key(settings_for(tmp_path / "a", env))
    kept = tmp_path / "a" / "secret_key"
    assert mode_of(kept) == 0o600
    assert kept.read_text().strip() == first.get_secret_value()
    assert len(first.get_secret_value()) >= 32
    assert signing_key(settings_for(tmp_path / "a", env)) == first  # a later start reuses it
    assert signing_key(settings_for(tmp_path / "b", env)) != first  # another directory, another key
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["secret_key"]  # no temporary left


def test_a_configured_key_wins_and_no_file_is_made(tmp_path: Path) -> None:
    key = "k" * 40
    assert signing_key(settings_for(tmp_path, secret_key=key)).get_secret_value() == key
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("env", MODES)
@pytest.mark.parametrize("value", [PLACEHOLDER_SECRET, "short", "x" * 31, ""])
def test_a_configured_placeholder_or_short_key_is_refused_in_every_mode(
    tmp_path: Path, env: str, value: str
) -> None:
    with pytest.raises(ConfigurationError, match="CUSTODIA_SECRET_KEY is a placeholder or shorter "
                                                 "than 32 characters; .*set it to") as refused:
        check_secret(settings_for(tmp_path, env, secret_key=value))
    assert "\n" not in str(refused.value)
    assert not (tmp_path / "secret_key").exists()


def test_production_refuses_a_missing_key_and_makes_none(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CUSTODIA_SECRET_KEY is not set; in production"):
        check_secret(settings_for(tmp_path, "production"))
    assert not tmp_path.joinpath("secret_key").exists()


def test_production_ignores_a_key_file_left_in_the_data_directory(tmp_path: Path) -> None:
    signing_key(settings_for(tmp_path))
    with pytest.raises(ConfigurationError, match="not set"):
        signing_key(settings_for(tmp_path, "production"))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o620, 0o604])
def test_a_key_file_others_may_read_or_change_is_refused_without_showing_it(
    tmp_path: Path, mode: int
) -> None:
    key = signing_key(settings_for(tmp_path)).get_secret_value()
    kept = tmp_path / "secret_key"
    kept.chmod(mode)
    with pytest.raises(ConfigurationError, match="other users may read or change") as refused:
        signing_key(settings_for(tmp_path))
    assert f"(mode {mode:04o})" in str(refused.value)
    assert f"chmod 600 {kept}" in str(refused.value)
    assert key not in str(refused.value)
    kept.chmod(0o600)
    assert signing_key(settings_for(tmp_path)).get_secret_value() == key


def test_a_directory_where_the_key_belongs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").mkdir()
    with pytest.raises(ConfigurationError, match="secret_key"):
        signing_key(settings_for(tmp_path))


@pytest.mark.parametrize("content", [PLACEHOLDER_SECRET, "", "too short"])
def test_a_key_file_holding_a_bad_key_is_refused(tmp_path: Path, content: str) -> None:
    kept = tmp_path / "secret_key"
    kept.write_text(content)
    kept.chmod(0o600)
    with pytest.raises(ConfigurationError, match="delete it for a new key"):
        signing_key(settings_for(tmp_path))


def test_a_key_that_cannot_be_kept_names_the_variable_to_set(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigurationError, match="cannot keep a generated key in .*CUSTODIA_SECRET_KEY"):
        signing_key(settings_for(tmp_path / "file" / "var"))


def test_a_key_made_elsewhere_first_is_never_replaced(tmp_path: Path) -> None:
    kept = tmp_path / "secret_key"
    _create(kept, "a" * 40)
    _create(kept, "b" * 40)  # a second process that lost the race
    assert kept.read_text() == "a" * 40 + "\n"
    assert mode_of(kept) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    start = threading.Barrier(8)
    keys: list[SecretStr] = []

    def begin() -> None:
        start.wait()
        keys.append(signing_key(settings_for(tmp_path)))

    threads = [threading.Thread(target=begin) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8
    assert len({k.get_secret_value() for k in keys}) == 1


def test_the_credentials_key_uses_the_same_rules(tmp_path: Path) -> None:
    fernet = credentials_key(settings_for(tmp_path))
    assert mode_of(tmp_path / "credentials_key") == 0o600
    token = fernet.encrypt(b"mail-server password")
    assert credentials_key(settings_for(tmp_path)).decrypt(token) == b"mail-server password"
    with pytest.raises(ConfigurationError, match="CUSTODIA_CREDENTIALS_KEY is not a Fernet key"):
        credentials_key(settings_for(tmp_path, credentials_key="not-a-key"))
    with pytest.raises(ConfigurationError, match="CUSTODIA_CREDENTIALS_KEY is not set"):
        credentials_key(settings_for(tmp_path, "production"))


def test_the_two_secrets_are_kept_apart(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    signing = resolve(SIGNING_KEY, None, settings)
    credentials = resolve(CREDENTIALS_KEY, None, settings)
    assert signing != credentials
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials_key", "secret_key"]
