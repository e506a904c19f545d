"""One pass of a worker: due periodic tasks, then the job queue (ingest, index, mail...).

`custodia worker` and the embedded deployment's in-process worker both loop over
`work`, and nothing else.
"""

from __future__ import annotations

from datetime import timedelta

from app.core import jobs, schedules
from app.core.jobs import REGISTRY, Registry, Services

BATCH = 50  # jobs per pass, so periodic tasks come due between them


def work(services: Services, worker: str, registry: Registry = REGISTRY,
         limit: int = BATCH) -> int:
    """Enqueue what is due, then run up to `limit` queued jobs; returns how many ran."""
    schedules.run_due(services.database, worker, registry)
    lease = timedelta(seconds=services.settings.lease_seconds)
    ran = 0
    while ran < limit:
        claimed = jobs.claim(services.database, worker, lease, set(registry.handlers),
                             registry=registry)
        if claimed is None:
            break
        jobs.run(services, claimed, registry)
        ran += 1
    return ran
