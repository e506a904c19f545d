"""`custodia demo`: the synthetic data set and a login for each role."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from app import tasks
from app.auth import credentials
from app.auth import service as auth
from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import Settings
from app.demo.generator import DemoSet, generate
from app.models import Document, Role
from ingest import indexer, jobs
from ingest.runtime import Runtime

DEMO_USERS = {
    "demo-clerk": (Role.clerk, "Demo City Clerk"),
    "demo-attorney": (Role.attorney, "Demo City Attorney"),
    "demo-auditor": (Role.auditor, "Demo Auditor"),
    "demo-admin": (Role.admin, "Demo Administrator"),
}


@dataclass
class DemoSummary:
    data: DemoSet
    logins: dict[str, str]
    documents: int

    def describe(self) -> str:
        lines = [
            f"Demo data: {self.data.messages} e-mails and {self.data.voicemails} voicemails "
            f"({len(self.data.files)} files) under {self.data.root}, "
            f"ingested as {self.documents} documents",
            "Demo logins (new passwords on every run):",
        ]
        lines += [f"  {name:<14} {password}" for name, password in self.logins.items()]
        return "\n".join(lines)


def load(settings: Settings, database: Database, actor: Actor) -> DemoSummary:
    root = settings.data_dir / "demo"
    if root.exists():
        shutil.rmtree(root)
    data = generate(root)
    logins = {}
    with database.transaction() as session:
        for name, (role, full_name) in DEMO_USERS.items():
            password = credentials.generate_password()
            user = auth.find_user(session, name)
            if user is None:
                auth.create_user(session, actor, name, [role], password, full_name)
            else:
                auth.set_password(session, actor, user, password)
            logins[name] = password
    return DemoSummary(data, logins, _ingest(settings, database, actor, root))


def _ingest(settings: Settings, database: Database, actor: Actor, root: Path) -> int:
    """Each mailbox and voicemail box is one custodian's job, as a clerk would run them."""
    tasks.load()
    runtime = Runtime.open(settings, database)
    runner = runtime.runner(worker="demo")
    boxes = [(p.name, p) for p in sorted((root / "mail").iterdir())]
    boxes += [(p.name, p) for p in sorted((root / "voicemail").iterdir())]
    for custodian, path in boxes:
        with database.transaction() as session:
            job_id = jobs.create_job(session, actor, custodian,
                                     {"type": "path", "paths": [str(path)]}).id
        jobs.run_now(runner, job_id)
    indexer.index_pending(database, runtime.engine, runtime.settings.time_zone)
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(Document)) or 0
