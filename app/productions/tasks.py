"""Building a production on the job queue ("productions.build"): a big one takes a while.
The job's payload carries its progress (documents done of all), renewed with its lease."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.core.audit import Actor
from app.core.jobs import REGISTRY, Claimed, Services, enqueue
from app.models import Job
from app.productions import build

KIND = "productions.build"
REPORT_EVERY = 10  # documents between progress reports (and lease renewals)


def queue_build(session: Session, actor: Actor, production_id: uuid.UUID) -> Job:
    """Queue the build in the caller's transaction (it runs once that commits)."""
    return enqueue(session, KIND, {
        "production_id": str(production_id),
        "actor": {"name": actor.name, "client_address": actor.client_address,
                  "request_id": actor.request_id, "user_id": actor.user_id},
        "progress": {"done": 0, "documents": None}}, max_attempts=3)


def run_build(services: Services, claimed: Claimed) -> None:
    payload: dict[str, Any] = claimed.payload
    who = payload["actor"]
    actor = Actor(who["name"], who["client_address"], who["request_id"], who.get("user_id"))

    def progress(done: int, documents: int) -> None:
        if done % REPORT_EVERY and done != documents:
            return
        with services.database.transaction() as session:
            claimed.renew(session)
            job = session.get_one(Job, claimed.id)
            job.payload = {**job.payload, "progress": {"done": done, "documents": documents}}

    build.build(services.database, services.settings, actor, uuid.UUID(payload["production_id"]),
                progress)


REGISTRY.register(KIND, run_build)
