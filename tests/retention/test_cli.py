"""`custodia retention` as an administrator runs it: set, dry run, run, re-ingest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.core import migrations
from app.core.db import Database
from app.core.hashing import sha256
from app.models import AuditEntry, Document, RetentionSchedule
from tests.ingest.test_dedup import write
from tests.retention.conftest import OLD, dated_mail

CUSTODIA = str(Path(sys.executable).parent / "custodia")


def custodia(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CUSTODIA, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300, check=False)


def counts(database: Database) -> tuple[int, int]:
    with database.reading() as session:
        return (session.scalar(select(func.count()).select_from(Document)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_set_dry_run_run_and_reingest_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir()
    database = Database(f"sqlite:///{data / 'custodia.db'}")
    migrations.upgrade(database.engine)
    env = {"CUSTODIA_DATA_DIR": str(data), "COLUMNS": "160"}
    box = tmp_path / "box"
    write(box / "1.eml", dated_mail("Snow plan", "Plow routes for Elm.", OLD))
    write(box / "2.eml", dated_mail("Today", "Hydrant flushing now.",
                                    datetime.now(UTC) - timedelta(hours=1)))
    assert custodia(env, "ingest", str(box), "--custodian", "mdelgado").returncode == 0

    for bad in (["set", "email", "--days", "-3"], ["set", "email", "--days", "40000"],
                ["set", "Email!", "--days", "3"], ["set", "email"]):
        refused = custodia(env, "retention", *bad)
        assert refused.returncode == 2, (bad, refused.stdout)
        assert "custodia:" in refused.stderr
    with database.reading() as session:
        assert session.scalars(select(RetentionSchedule)).all() == []
    done = custodia(env, "retention", "set", "email", "--days", "1")
    assert done.returncode == 0, done.stderr
    assert "kept 1 days" in done.stdout

    assert json.loads(custodia(env, "search", "plow", "--json").stdout)["total"] == 1
    before = counts(database)
    natives = sorted(p.name for p in (data / "natives").rglob("*") if p.is_file())
    dry = custodia(env, "retention", "run", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    printed = json.loads(dry.stdout)
    assert printed["certificate"]["dry_run"] is True
    [family] = printed["certificate"]["families"]
    assert printed["certificate"]["counts"]["documents_to_purge"] == 1
    assert counts(database)[0] == before[0]
    assert sorted(p.name for p in (data / "natives").rglob("*") if p.is_file()) == natives
    stored = Path(printed["certificate_path"]).read_bytes()
    assert sha256(stored) == printed["certificate_sha256"]

    purged = custodia(env, "retention", "run")
    assert purged.returncode == 0, purged.stderr
    assert "Purged 1 families (1 documents)" in purged.stdout
    with database.reading() as session:
        assert list(session.scalars(select(Document.subject))) == ["Today"]
        assert str(family["family_id"]) not in {str(i) for i in session.scalars(
            select(Document.id))}
    again = custodia(env, "ingest", str(box), "--custodian", "mdelgado")
    assert again.returncode == 0, again.stderr
    assert "purged" in again.stdout
    found = custodia(env, "search", "plow", "--json")
    assert json.loads(found.stdout)["total"] == 0
    assert counts(database)[0] == 1
    database.dispose()
