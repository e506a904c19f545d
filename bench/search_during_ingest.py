"""Search latency through the API while the in-process worker ingests, beside idle.

    .venv/bin/python bench/search_during_ingest.py [--corpus ../shared/corpus] [--seconds 10]

The embedded deployment runs its ingest worker inside the API process, and both
write the SQLite catalog (a search writes its audit entry). This serves a fresh
data directory holding the Enron EDRM export, times a mix of searches for
--seconds while nothing else happens (the baseline), then queues the Enron mbox
slice (6,239 messages) as an ingest job and times the same mix until it is done.
Prints p50, p95 and the worst search of each, and the ratios.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from pathlib import Path

import httpx

# bench/search.py's helpers (loaded by path: `search` is also the engines' package)
_spec = importlib.util.spec_from_file_location("bench_search", Path(__file__).with_name("search.py"))
assert _spec is not None and _spec.loader is not None
bench_search = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_search)
PASSWORD, api_caller, run, serve = (bench_search.PASSWORD, bench_search.api_caller,
                                    bench_search.run, bench_search.serve)

QUERIES = ["gas", "price pre/3 gas", "custodian:seed", "meeting date:2001"]


def timed_rounds(call: object, until: object) -> list[float]:
    assert callable(call) and callable(until)
    samples: list[float] = []
    while not until():
        for query in QUERIES:
            started = time.perf_counter()
            call(query)
            samples.append((time.perf_counter() - started) * 1000)
    return sorted(samples)


def figures(samples: list[float]) -> tuple[float, float, float]:
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], samples[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="custodia-bench-") as workdir:
        env = {"CUSTODIA_DATA_DIR": str(Path(workdir) / "var")}
        run(env, "ingest", "--custodian", "seed", str(args.corpus / "enron" / "edrm-bailey-s"))
        run(env, "user", "add", "bench", "--role", "clerk", "--role", "admin",
            "--password", PASSWORD)
        process, url = serve(env)
        try:
            with httpx.Client(base_url=url, timeout=120) as client:
                call = api_caller(client)
                deadline = time.monotonic() + args.seconds
                idle = timed_rounds(call, lambda: time.monotonic() > deadline)
                job = queue_ingest(client, args.corpus / "enron" / "mbox")
                started = time.perf_counter()
                busy = timed_rounds(call, lambda: finished(client, job))
                took = time.perf_counter() - started
        finally:
            process.terminate()
            process.wait()
    print(f"{len(QUERIES)} searches in turn through POST /api/v1/search (embedded deployment)")
    print(f"{'':<34}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, samples in (("idle (baseline)", idle), (f"while ingesting ({took:.0f} s)", busy)):
        print(f"{name:<34}{len(samples):>6}" + "".join(f"{x:>9.1f}" for x in figures(samples)))
    (p50, p95, worst), base = figures(busy), figures(idle)
    print(f"ratio to idle: p50 {p50 / base[0]:.1f}x, p95 {p95 / base[1]:.1f}x, "
          f"max {worst / base[2]:.1f}x")


def headers(client: httpx.Client) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", data={"username": "bench", "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def queue_ingest(client: httpx.Client, path: Path) -> tuple[str, dict[str, str]]:
    """As a clerk would: the folder's parent as an ingest root, the folder inside it."""
    auth = headers(client)
    client.post("/api/v1/ingest/roots", headers=auth, json={
        "name": "corpus", "path": str(path.parent.resolve())}).raise_for_status()
    answer = client.post("/api/v1/ingest/jobs", headers=auth, json={
        "custodian": "busy", "source": {"type": "root", "root": "corpus", "path": path.name}})
    answer.raise_for_status()
    return answer.json()["id"], auth


def finished(client: httpx.Client, job: tuple[str, dict[str, str]]) -> bool:
    job_id, auth = job
    status = client.get(f"/api/v1/ingest/jobs/{job_id}", headers=auth).json()["status"]
    return bool(status in ("done", "failed"))


if __name__ == "__main__":
    main()
