"""The scaled deployment in docker-compose.yml, checked through `docker compose config`.

No Docker engine is needed: `config` only parses, validates and interpolates the
file. `docker compose` itself comes from scripts/install-compose.sh. Without it
these tests skip locally and FAIL under CI (env var CI set).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"

SECRET_VARS = ("POSTGRES_PASSWORD", "ELASTIC_PASSWORD", "CUSTODIA_SECRET_KEY",
               "CUSTODIA_CREDENTIALS_KEY")
TEST_VALUES = {
    "POSTGRES_PASSWORD": "pg-test-password-123",
    "ELASTIC_PASSWORD": "es-test-password-456",
    "CUSTODIA_SECRET_KEY": "test-secret-key-" + "k" * 40,
    "CUSTODIA_CREDENTIALS_KEY": "dGVzdC1jcmVkZW50aWFscy1rZXktMzItYnl0ZXMhISE=",
}
BACKING = ("postgres", "elasticsearch", "tika")
LONG_RUNNING = ("postgres", "elasticsearch", "tika", "api", "worker")
ALL_SERVICES = {*LONG_RUNNING, "migrate"}


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.fixture(scope="module")
def compose() -> None:
    """Skip (locally) or fail (CI) when `docker compose` is missing."""
    if _compose_available():
        return
    message = "`docker compose` is not available: install it with scripts/install-compose.sh"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _environment(**values: str) -> dict[str, str]:
    """This process's environment without anything that would change the rendering."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COMPOSE_", "CUSTODIA_", "POSTGRES_", "ELASTIC", "ES_"))
    }
    env.update(values)
    return env


def _config(env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    # --env-file /dev/null: a developer's .env beside the file must not fill in
    # what the test leaves unset.
    return subprocess.run(
        ["docker", "compose", "--env-file", os.devnull, "-f", str(COMPOSE_FILE), "config", *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def config(compose: None) -> dict[str, Any]:
    result = _config(_environment(**TEST_VALUES), "--format", "json")
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


@pytest.fixture(scope="module")
def services(config: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = config["services"]
    return found


def test_the_six_services_exist(services: dict[str, Any]) -> None:
    assert set(services) == ALL_SERVICES


def test_official_images_pinned(services: dict[str, Any]) -> None:
    assert services["postgres"]["image"] == "postgres:16"
    assert services["elasticsearch"]["image"] == (
        "docker.elastic.co/elasticsearch/elasticsearch:8.19.21"
    )
    assert re.fullmatch(r"apache/tika:3\.\d+\.\d+(\.\d+)?", services["tika"]["image"])


@pytest.mark.parametrize("name", ["api", "worker"])
def test_app_waits_for_healthy_backends_and_migration(
    services: dict[str, Any], name: str
) -> None:
    depends = services[name]["depends_on"]
    for backing in BACKING:
        assert depends[backing]["condition"] == "service_healthy", (name, backing)
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_is_one_shot_after_postgres(services: dict[str, Any]) -> None:
    migrate = services["migrate"]
    assert migrate["command"] == ["custodia", "migrate"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate.get("restart", "no") == "no"
    assert migrate["image"] == services["api"]["image"]


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_a_healthcheck(services: dict[str, Any], name: str) -> None:
    check = services[name].get("healthcheck")
    assert check, f"{name} has no healthcheck"
    assert not check.get("disable", False)
    test = check["test"]
    assert test and test[0] in ("CMD", "CMD-SHELL"), test
    assert services[name].get("restart") in ("unless-stopped", "always")


def test_healthchecks_probe_the_right_things(services: dict[str, Any]) -> None:
    def joined(name: str) -> str:
        return " ".join(services[name]["healthcheck"]["test"])

    assert "pg_isready" in joined("postgres")
    assert "/_cluster/health" in joined("elasticsearch")
    assert "/version" in joined("tika")
    assert "/api/v1/ready" in joined("api")


def test_api_serves_and_builds_from_the_dockerfile(services: dict[str, Any]) -> None:
    api = services["api"]
    assert api["command"] == ["custodia", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert Path(api["build"]["context"]).resolve() == REPO
    assert api["build"]["dockerfile"] == "Dockerfile"
    assert [port["target"] for port in api["ports"]] == [8000]


def test_worker_runs_the_same_image_with_scalable_replicas(services: dict[str, Any]) -> None:
    worker = services["worker"]
    assert worker["command"] == ["custodia", "worker"]
    assert worker["image"] == services["api"]["image"]
    assert worker["deploy"]["replicas"] == 2
    assert services["api"]["environment"]["CUSTODIA_WEB_WORKERS"] == "2"  # API processes
    assert services["api"]["environment"]["CUSTODIA_LOG_FORMAT"] == "json"


def test_worker_replicas_come_from_the_environment(compose: None) -> None:
    result = _config(_environment(**TEST_VALUES, CUSTODIA_WORKERS="5"), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["services"]["worker"]["deploy"]["replicas"] == 5


@pytest.mark.parametrize("name", ["api", "worker", "migrate"])
def test_app_environment(services: dict[str, Any], name: str) -> None:
    env = services[name]["environment"]
    assert env["CUSTODIA_ENV"] == "production"
    assert env["CUSTODIA_DATA_DIR"] == "/data"
    assert env["CUSTODIA_TIKA_URL"] == "http://tika:9998"
    assert env["CUSTODIA_SECRET_KEY"] == TEST_VALUES["CUSTODIA_SECRET_KEY"]
    assert env["CUSTODIA_CREDENTIALS_KEY"] == TEST_VALUES["CUSTODIA_CREDENTIALS_KEY"]
    assert env["CUSTODIA_DATABASE_URL"] == (
        f"postgresql+psycopg://custodia:{TEST_VALUES['POSTGRES_PASSWORD']}@postgres:5432/custodia"
    )
    search = f"http://elastic:{TEST_VALUES['ELASTIC_PASSWORD']}@elasticsearch:9200"
    assert env["CUSTODIA_ELASTICSEARCH_URL"] == search


@pytest.mark.parametrize("name", ["api", "worker", "migrate"])
def test_app_services_share_the_data_volume(services: dict[str, Any], name: str) -> None:
    mounts = {(m["type"], m.get("source"), m["target"]) for m in services[name]["volumes"]}
    assert ("volume", "custodia-data", "/data") in mounts


def test_backing_services_keep_data_on_volumes(services: dict[str, Any]) -> None:
    def targets(name: str) -> set[str]:
        return {m["target"] for m in services[name]["volumes"] if m["type"] == "volume"}

    assert "/var/lib/postgresql/data" in targets("postgres")
    assert "/usr/share/elasticsearch/data" in targets("elasticsearch")


def test_elasticsearch_single_node_secured(services: dict[str, Any]) -> None:
    env = services["elasticsearch"]["environment"]
    assert env["discovery.type"] == "single-node"
    assert env["xpack.security.enabled"] == "true"
    assert env["ELASTIC_PASSWORD"] == TEST_VALUES["ELASTIC_PASSWORD"]
    assert re.search(r"-Xms\S+ -Xmx\S+", env["ES_JAVA_OPTS"])


def test_postgres_password_from_environment(services: dict[str, Any]) -> None:
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == (
        TEST_VALUES["POSTGRES_PASSWORD"]
    )


def test_healthchecks_do_not_embed_secrets(services: dict[str, Any]) -> None:
    checks = json.dumps({name: svc.get("healthcheck") for name, svc in services.items()})
    for value in TEST_VALUES.values():
        assert value not in checks


def test_no_literal_secret_in_the_file() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    # Every place a secret is given, it is a required ${VAR:?message} reference.
    for var in SECRET_VARS:
        given = [line for line in lines if re.match(rf"\s*{var}:", line)]
        if var != "CUSTODIA_SECRET_KEY":
            assert given, f"{var} is never set in the file"
        for line in given:
            value = line.split(":", 1)[1].strip().strip("\"'")
            assert re.fullmatch(rf"\$\{{{var}:\?[^}}]+\}}", value), line
    assert any(re.match(r"\s*CUSTODIA_SECRET_KEY:", line) for line in lines)
    # Credentials inside URLs are references too, never literals.
    urls = re.findall(r"://([^:/@\s]+):(\$\{[^}]*\}|[^@\s]*)@", "\n".join(lines))
    assert len(urls) >= 2, urls  # the database and the Elasticsearch URL
    for user, password in urls:
        assert re.fullmatch(r"\$\{(POSTGRES_PASSWORD|ELASTIC_PASSWORD):\?[^}]+\}", password), (
            user,
            password,
        )
    # Nothing that looks like a concrete password, secret or key was typed in.
    literal = re.compile(r"(?i)(password|secret|key)\s*[:=]\s*['\"]?(?!\$\{)[A-Za-z0-9+/_-]{8,}")
    assert not [line for line in lines if literal.search(line)]


def test_dockerfile_runs_unprivileged_and_serves() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0"), users
    assert re.search(r"pip install\b[^\n]*(/app|\s\.)(\s|$)", text)
    assert re.search(r"^EXPOSE\s+8000\b", text, re.MULTILINE)
    cmd = re.findall(r"^CMD\s+(.+)$", text, re.MULTILINE)
    assert json.loads(cmd[-1]) == ["custodia", "serve", "--host", "0.0.0.0", "--port", "8000"]


def test_dockerignore_keeps_local_state_out() -> None:
    entries = {
        line.strip().rstrip("/")
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".venv", "var", ".services", ".git"):
        assert needed in entries, needed
    assert entries & {"__pycache__", "**/__pycache__"}


@pytest.mark.parametrize("missing", SECRET_VARS)
def test_config_fails_without_a_required_secret(compose: None, missing: str) -> None:
    values = {name: value for name, value in TEST_VALUES.items() if name != missing}
    result = _config(_environment(**values))
    assert result.returncode != 0
    assert missing in result.stderr
    assert "missing a value" in result.stderr or "required variable" in result.stderr


def test_config_fails_without_secret_key_naming_it(compose: None) -> None:
    values = {name: value for name, value in TEST_VALUES.items() if name != "CUSTODIA_SECRET_KEY"}
    result = _config(_environment(**values), "--format", "json")
    assert result.returncode != 0
    assert result.stdout.strip() == ""
    assert "CUSTODIA_SECRET_KEY" in result.stderr
