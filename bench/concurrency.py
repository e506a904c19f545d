"""Throughput and latency of mixed searches and document reads, 1, 4 and 16 clients at once.

    .venv/bin/python bench/concurrency.py --postgres URL --elasticsearch URL
                                          [--seconds 12] [--workdir DIR] [--corpus DIR]

Two deployments over the same mail (the Enron mbox slice, 6,239 messages), built
once in --workdir with `custodia ingest` and kept:
- embedded: SQLite and the embedded engine, one `custodia serve` with its
  in-process worker;
- scaled: PostgreSQL and Elasticsearch, one `custodia serve` and, for the run
  during ingest, one `custodia worker`.
Each client signs in as a clerk and loops: 3 of 4 requests are a search from a
mix (POST /api/v1/search, 20 hits with facets, snippets and the audit entry), 1
of 4 a document read (GET /api/v1/documents/{id}, audited too). For each
deployment, 1, 4 and 16 clients run --seconds each (after a warm-up), then 16
clients again while an ingest job runs (the EDRM export, queued through an ingest
root as a clerk would). Prints requests per second, p50 and p95, and each level's
throughput as a ratio of one client's (target on 2 cores: 16 clients >= 1.6x).
The load comes from this process (asyncio + httpx), on the same two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import statistics
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# bench/search.py's helpers (loaded by path: `search` is also the engines' package)
_spec = importlib.util.spec_from_file_location("bench_search", Path(__file__).with_name("search.py"))
assert _spec is not None and _spec.loader is not None
bench_search = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_search)
CUSTODIA, PASSWORD, free_port, launch, run = (
    bench_search.CUSTODIA, bench_search.PASSWORD, bench_search.free_port, bench_search.launch,
    bench_search.run)

QUERIES = ["gas", "california power", '"natural gas"', "contract* w/10 terminat*",
           "subject:meeting", "from:phillip.allen@enron.com", "custodian:allen-p gas",
           "date:2001-01-01..2001-03-31 price", "price pre/3 gas", "negotiat*"]
LEVELS = (1, 4, 16)


def build(env: dict[str, str], corpus: Path, marker: Path) -> None:
    if marker.exists():
        return
    run(env, "migrate")
    boxes: dict[str, list[str]] = {}
    for mbox in sorted((corpus / "enron" / "mbox").iterdir()):
        boxes.setdefault(mbox.name.split(".")[1], []).append(str(mbox))
    for custodian, paths in boxes.items():
        run(env, "ingest", "--custodian", custodian, *paths)
    run(env, "user", "add", "clerk", "--role", "clerk", "--password", PASSWORD)
    run(env, "user", "add", "admin", "--role", "admin", "--password", PASSWORD)
    marker.touch()


def scaled_database(postgres: str) -> str:
    url = make_url(postgres)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = "
                                       "'custodia_bench_concurrency'")).first():
            connection.execute(text('CREATE DATABASE "custodia_bench_concurrency"'))
    admin.dispose()
    return url.set(database="custodia_bench_concurrency").render_as_string(hide_password=False)


class Load:
    """Clients that search and read documents through the API, as fast as answers come."""

    def __init__(self, url: str, token: str, document_ids: list[str]) -> None:
        self.url, self.document_ids = url, document_ids
        self.headers = {"Authorization": f"Bearer {token}"}

    async def client(self, number: int, until: float, samples: list[float],
                     failures: list[int]) -> None:
        rng = random.Random(number)
        async with httpx.AsyncClient(base_url=self.url, headers=self.headers,
                                     timeout=60) as http:
            while time.monotonic() < until:
                started = time.perf_counter()
                if rng.random() < 0.75:
                    answer = await http.post("/api/v1/search", json={
                        "query": rng.choice(QUERIES), "size": 20})
                else:
                    answer = await http.get(f"/api/v1/documents/{rng.choice(self.document_ids)}")
                if answer.status_code == 200:
                    samples.append((time.perf_counter() - started) * 1000)
                else:
                    failures.append(answer.status_code)

    def level(self, clients: int, seconds: float) -> dict[str, float]:
        async def measure() -> tuple[list[float], list[int], float]:
            samples: list[float] = []
            failures: list[int] = []
            await asyncio.gather(*(self.client(n, time.monotonic() + 1.5, [], [])
                                   for n in range(clients)))  # warm-up
            started = time.monotonic()
            await asyncio.gather(*(self.client(n, started + seconds, samples, failures)
                                   for n in range(clients)))
            return samples, failures, time.monotonic() - started
        samples, failures, took = asyncio.run(measure())
        samples.sort()
        if failures:
            print(f"  ({len(failures)} requests failed: {sorted(set(failures))})")
        return {"rps": len(samples) / took, "p50": statistics.median(samples),
                "p95": samples[max(0, int(len(samples) * 0.95) - 1)]}


def sign_in(url: str, username: str) -> str:
    answer = httpx.post(f"{url}/api/v1/auth/token",
                        data={"username": username, "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def document_ids(url: str, token: str) -> list[str]:
    answer = httpx.post(f"{url}/api/v1/search", json={"query": "gas OR power", "size": 200},
                        headers={"Authorization": f"Bearer {token}"}, timeout=60)
    answer.raise_for_status()
    return [hit["document"]["id"] for hit in answer.json()["hits"]]


def queue_ingest(url: str, corpus: Path) -> tuple[str, dict[str, str]]:
    """As a clerk would: the EDRM export through an ingest root, for a new custodian."""
    admin = {"Authorization": f"Bearer {sign_in(url, 'admin')}"}
    roots = httpx.get(f"{url}/api/v1/ingest/roots", headers=admin).json()
    if not any(r["name"] == "corpus" for r in roots):
        httpx.post(f"{url}/api/v1/ingest/roots", headers=admin, json={
            "name": "corpus", "path": str((corpus / "enron").resolve())}).raise_for_status()
    clerk = {"Authorization": f"Bearer {sign_in(url, 'clerk')}"}
    answer = httpx.post(f"{url}/api/v1/ingest/jobs", headers=clerk, json={
        "custodian": f"bailey-s-{uuid.uuid4().hex[:6]}",
        "source": {"type": "root", "root": "corpus", "path": "edrm-bailey-s"}})
    answer.raise_for_status()
    return str(answer.json()["id"]), clerk


def measure(name: str, env: dict[str, str], corpus: Path, seconds: float,
            worker: bool) -> dict[str, dict[str, float]]:
    port = free_port()
    process, url = launch([CUSTODIA, "serve", "--port", str(port)], env, port)
    rows: dict[str, dict[str, float]] = {}
    try:
        token = sign_in(url, "clerk")
        load = Load(url, token, document_ids(url, token))
        for clients in LEVELS:
            rows[f"{clients} client{'s' if clients > 1 else ''}"] = load.level(clients, seconds)
        job, clerk = queue_ingest(url, corpus)
        workers = [subprocess.Popen([CUSTODIA, "worker"], env={**os.environ, **env},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   ] if worker else []
        time.sleep(2)  # the job is under way
        rows["16 clients, while ingesting"] = load.level(16, seconds)
        status = httpx.get(f"{url}/api/v1/ingest/jobs/{job}", headers=clerk).json()["status"]
        rows["16 clients, while ingesting"]["ingest"] = status == "running"
        for process_ in workers:
            process_.terminate()
            process_.wait()
    finally:
        process.terminate()
        process.wait()
    print(f"\n{name}")
    print(f"{'':<30}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'x 1 client':>12}")
    base = rows["1 client"]["rps"]
    for label, row in rows.items():
        still = "" if row.get("ingest", True) else "  (the ingest ended during the run)"
        print(f"{label:<30}{row['rps']:>8.1f}{row['p50']:>9.1f}{row['p95']:>9.1f}"
              f"{row['rps'] / base:>11.2f}x{still}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a PostgreSQL URL (a database "
                        "custodia_bench_concurrency is created beside it)")
    parser.add_argument("--elasticsearch", required=True)
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/custodia-bench-concurrency"))
    parser.add_argument("--corpus", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    args = parser.parse_args()
    base: dict[str, Any] = {"CUSTODIA_ENV": "development"}
    embedded = {**base, "CUSTODIA_DATA_DIR": str(args.workdir / "embedded")}
    scaled = {**base, "CUSTODIA_DATA_DIR": str(args.workdir / "scaled"),
              "CUSTODIA_DATABASE_URL": scaled_database(args.postgres),
              "CUSTODIA_ELASTICSEARCH_URL": args.elasticsearch,
              "CUSTODIA_INDEX_NAME": "bench-concurrency", "CUSTODIA_IN_PROCESS_WORKER": "false"}
    for env in (embedded, scaled):
        Path(env["CUSTODIA_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        build(env, args.corpus, Path(env["CUSTODIA_DATA_DIR"]) / "built")
    print(f"mixed load: 3/4 searches ({len(QUERIES)} queries), 1/4 document reads; "
          f"{args.seconds:.0f} s per level; 2 cores")
    results = {"embedded (SQLite, embedded engine)": measure(
        "embedded (SQLite, embedded engine)", embedded, args.corpus, args.seconds, False)}
    results["scaled (PostgreSQL, Elasticsearch)"] = measure(
        "scaled (PostgreSQL, Elasticsearch)", scaled, args.corpus, args.seconds, True)
    print()
    for name, rows in results.items():
        ratio = rows["16 clients"]["rps"] / rows["1 client"]["rps"]
        print(f"{name}: 16 clients give {ratio:.2f}x one client's throughput (target 1.6x)")


if __name__ == "__main__":
    main()
