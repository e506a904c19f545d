"""Retention on the scheduler: "retention.run" purges, daily, what the city's schedules
say has expired and no hold touches, with a certificate like any run (app.tasks loads
it into the workers). No schedule, nothing purged: a class without one is kept forever."""

from __future__ import annotations

import logging
import uuid

from app.core.audit import Actor
from app.core.engine import open_search_engine
from app.core.jobs import REGISTRY, Claimed, Services
from app.retention import service

log = logging.getLogger("custodia.retention")

EVERY = 24 * 3600


def run_schedules(services: Services, claimed: Claimed) -> None:
    engine = open_search_engine(services.settings)
    actor = Actor(f"worker:{claimed.worker}", "local", uuid.uuid4().hex)
    with services.database.transaction() as session:
        if not any(s.days is not None for s in service.schedules(session)):
            return
        result = service.run(session, actor, services.settings.data_dir, services.store,
                             engine, dry_run=False)
    log.info("retention run %s: %s", result.run.id, result.certificate["counts"])


REGISTRY.register("retention.run", run_schedules, every_seconds=EVERY)
