"""Ingest's work on the one job queue (app.core.jobs), registered by app.tasks.

- "ingest": runs an ingest job (enqueued with it by ingest.jobs.create_job);
- "index.pending": indexes what waits, every INDEX_EVERY seconds (ingest indexes after
  each batch itself; this catches up after the search engine was away);
- "extract.retry": extracts again what failed for a passing reason (Tika was down).
"""

from __future__ import annotations

import logging

from app.core.jobs import REGISTRY, Claimed, Services
from ingest import jobs
from ingest.indexer import index_pending
from ingest.retry import retry_extractions
from ingest.runtime import Runtime, make_extract
from search.documents import IndexUnavailable

log = logging.getLogger("custodia.ingest")

INDEX_EVERY = 30
EXTRACT_RETRY_EVERY = 300


def run_ingest_job(services: Services, claimed: Claimed) -> None:
    runtime = Runtime.of(services)
    job = jobs.run(runtime.runner(worker=claimed.worker), claimed)
    log.info("ingest job %s: %s %s", job.id, job.status, job.counts)


def index_waiting(services: Services, claimed: Claimed) -> None:
    runtime = Runtime.of(services)
    try:
        index_pending(runtime.database, runtime.engine, runtime.settings.time_zone)
    except IndexUnavailable as exc:  # the documents stay pending for the next run
        log.warning("search index unreachable, will retry: %s", exc)


def extract_again(services: Services, claimed: Claimed) -> None:
    retry_extractions(services.database, services.store, make_extract(services.settings))


REGISTRY.register(jobs.KIND, run_ingest_job, on_dead=jobs.on_dead)
REGISTRY.register("index.pending", index_waiting, every_seconds=INDEX_EVERY)
REGISTRY.register("extract.retry", extract_again, every_seconds=EXTRACT_RETRY_EVERY)
