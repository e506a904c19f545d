"""Prometheus metrics: requests and their latency as they are answered; jobs, the queue,
index lag and overdue records requests read from the database at each scrape.

Several API processes (`custodia serve --workers N`) share their counts through
prometheus-client's multiprocess mode: `run_server` points PROMETHEUS_MULTIPROC_DIR at
an empty directory before the processes start, and a scrape of any one sums them all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.clock import clock_of
from app.core.db import Database
from app.models import Document, Job, JobState, RecordsRequest
from app.requests import timing

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUESTS = Counter("custodia_http_requests", "HTTP requests answered",
                   ["method", "route", "status"])
LATENCY = Histogram("custodia_http_request_duration_seconds", "Time to answer a request",
                    ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


class RequestMetrics:
    """Count and time every HTTP request by its route's template (never the raw path:
    a caller's path is hostile and unbounded), method and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        counted = False

        def count(status: int) -> None:
            nonlocal counted
            counted = True
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in METHODS else "other"
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(time.perf_counter() - started)

        async def send_counting(message: Message) -> None:
            if message["type"] == "http.response.start":
                count(message["status"])  # before the answer leaves: a scrape after it sees it
            await send(message)

        try:
            await self.app(scope, receive, send_counting)
        finally:
            if not counted:  # failed before answering
                count(500)


class DatabaseCollector(Collector):
    """Gauges read at scrape time, each one cheap query on an indexed column."""

    def __init__(self, database: Database, zone: ZoneInfo) -> None:
        self.database = database
        self.zone = zone

    def collect(self) -> Iterator[Metric]:
        with self.database.reading() as session:
            now = clock_of(session).now()
            states: dict[JobState, int] = {
                status: count for status, count in
                session.execute(select(Job.status, func.count()).group_by(Job.status))}
            due = session.scalar(select(func.count()).select_from(Job).where(
                Job.status == JobState.queued, Job.run_after <= now)) or 0
            pending, oldest = session.execute(
                select(func.count(), func.min(Document.created_at))
                .where(Document.indexed_at.is_(None))).one()
            today = timing.Today(session, self.zone)
            overdue = sum(today.overdue(r) for r in session.scalars(
                select(RecordsRequest).where(RecordsRequest.closed_at.is_(None))))
        jobs = GaugeMetricFamily("custodia_jobs", "Background jobs by state", labels=["state"])
        for state in JobState:
            jobs.add_metric([state.value], states.get(state, 0))
        yield jobs
        yield GaugeMetricFamily("custodia_queue_depth", "Queued jobs due to run now", value=due)
        yield GaugeMetricFamily("custodia_index_lag_documents",
                                "Documents stored but not yet searchable", value=pending)
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("custodia_index_lag_seconds",
                                "Age of the oldest document not yet searchable",
                                value=max(age, 0.0))
        yield GaugeMetricFamily("custodia_requests_overdue",
                                "Open records requests past their CORA due date", value=overdue)


def render(database: Database, zone: ZoneInfo) -> bytes:
    """The exposition text: this process's (or every process's) counts, then the gauges."""
    counted = REGISTRY
    if os.environ.get(MULTIPROCESS_DIR):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    gauges = CollectorRegistry()
    gauges.register(DatabaseCollector(database, zone))
    return generate_latest(counted) + generate_latest(gauges)


def prepare_processes(directory: os.PathLike[str]) -> None:
    """Before several API processes start: an empty directory their counts go to."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR] = str(path)

