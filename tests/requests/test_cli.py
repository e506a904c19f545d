"""`custodia requests list` as a clerk runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from app.core import migrations
from app.core.audit import Actor
from app.core.db import Database
from app.models import Channel, RequesterCategory
from app.requests import service
from app.requests.schemas import RequestIn

CUSTODIA = str(Path(sys.executable).parent / "custodia")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CUSTODIA, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120, check=False)


def test_requests_list_with_overdue_and_json(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir()
    database = Database(f"sqlite:///{data / 'custodia.db'}")
    migrations.upgrade(database.engine)
    now = database.clock.now()
    actor = Actor("test", "127.0.0.1", "test")
    with database.transaction() as session:
        for name, received in (("Old Request", now - timedelta(days=40)), ("New Request", now)):
            service.create(session, actor, RequestIn(
                requester_name=name, category=RequesterCategory.general, channel=Channel.email,
                description="council e-mails", received_at=received), ZoneInfo("America/Denver"))
    database.dispose()
    env = {"CUSTODIA_DATA_DIR": str(data), "COLUMNS": "160"}

    listed = run(env, "requests", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    assert [r["requester"] for r in found["requests"]] == ["Old Request", "New Request"]
    assert [r["overdue"] for r in found["requests"]] == [True, False]

    overdue = json.loads(run(env, "requests", "list", "--overdue", "--json").stdout)
    assert [r["requester"] for r in overdue["requests"]] == ["Old Request"]

    table = run(env, "requests", "list")
    assert table.returncode == 0, table.stderr
    assert "2 requests" in table.stdout and "OVERDUE" in table.stdout
    assert "New Request" in table.stdout
