"""Search latency through the HTTP API, beside the same queries sent straight to the engine.

    .venv/bin/python bench/search.py --elasticsearch URL [--copies 33] [--rounds 20]
                                     [--workdir DIR] [--corpus ../shared/corpus]

1. Builds an index of at least 200k messages: the Enron mbox slice copied
   --copies times, each copy perturbed (a subject tag and two words from the
   slice's own vocabulary in the body) so none deduplicates, ingested with
   `custodia ingest` per custodian into SQLite and the embedded engine, then
   copied into Elasticsearch with `custodia reindex`. The workdir is kept, and a
   second run with the same workdir skips the build.
2. Serves the API twice (`custodia serve`): over the embedded engine and over
   Elasticsearch; and the thinnest FastAPI proxy to Elasticsearch (`serve_proxy`),
   whose overhead is the floor of any API in this stack.
3. Sends a mix of queries, --rounds times each after a warm-up round, each path
   and its direct counterpart taking turns query by query (see `interleaved`):
   - API / Elasticsearch: POST /api/v1/search (20 hits, facets, snippets, audit),
     beside the proxy and Elasticsearch direct, both given the very request body the
     engine sends;
   - API / embedded, beside the embedded engine called in-process.
Prints p50 and p95 per path and the ratios (target for the API over ES: p95 at most
1.3x the proxy's; embedded engine target: p95 under 50 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI, Request, Response  # module level: the proxy's annotations

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CUSTODIA = str(Path(sys.executable).parent / "custodia")
PASSWORD = "bench-password-" + "x" * 12
ZONE = "America/Denver"
QUERIES = [
    "gas", "california power", '"natural gas"', "contract* w/10 terminat*",
    "subject:meeting", "from:phillip.allen@enron.com", "custodian:allen-p gas",
    "date:2001-01-01..2001-03-31 price", "(gas OR power) AND NOT california",
    '"please let me know"', "ferc w/5 order*", "price pre/3 gas", "negotiat*",
    "participant:caiso.com date:2001",
]


def build_mboxes(corpus: Path, target: Path, copies: int) -> dict[str, Path]:
    """One mbox per custodian: every message `copies` times, each copy unique."""
    target.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    by_custodian: dict[str, list[bytes]] = {}
    for path in sorted((corpus / "enron" / "mbox").iterdir()):
        chunks = path.read_bytes().split(b"\nFrom ")
        by_custodian.setdefault(path.name.split(".")[1], []).extend(chunks)
    vocabulary = sorted({w for chunks in by_custodian.values() for c in chunks[:200]
                         for w in re.findall(rb"[a-z]{5,12}", c)})
    written: dict[str, Path] = {}
    serial = 0
    for custodian, chunks in by_custodian.items():
        out_path = written[custodian] = target / f"{custodian}.mbox"
        with out_path.open("wb") as out:
            for copy in range(copies):
                for chunk in chunks:
                    message = chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""
                    serial += 1
                    tag = f"\nSubject: [{copy}.{serial}] ".encode()
                    message = message.replace(b"\nSubject: ", tag, 1)
                    extra = b" ".join(rng.sample(vocabulary, 2))
                    out.write(b"From bench@example Thu Jan  1 00:00:00 2026\n" + message
                              + b"\n" + extra + b"\n\n")
    return written


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([CUSTODIA, *args], env={**os.environ, **env}, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"failed: custodia {' '.join(args)}\n{result.stderr[-2000:]}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`custodia serve` with `env`, once it answers."""
    port = free_port()
    return launch([CUSTODIA, "serve", "--port", str(port)], env, port)


def launch(command: list[str], env: dict[str, str], port: int
            ) -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen(command, env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code in (200, 503):
                return process, url
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    sys.exit(f"{command[0]} did not start")


def serve_proxy(elasticsearch: str, alias: str, port: int) -> None:
    """The thinnest API this stack allows: a FastAPI route that hands the body to
    Elasticsearch and its answer back, no auth, catalog, audit or snippets. Its
    overhead over the direct path is the floor any API of ours starts from."""
    import uvicorn

    app = FastAPI()
    upstream = httpx.AsyncClient(base_url=elasticsearch, timeout=60)

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/search")
    async def search(request: Request) -> Response:
        answer = await upstream.post(f"/{alias}/_search", content=await request.body(),
                                     headers={"content-type": "application/json"})
        return Response(answer.content, answer.status_code, media_type="application/json")

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


Samples = dict[str, list[float]]  # query -> milliseconds
Call = Callable[[str], None]


def interleaved(paths: dict[str, Call], rounds: int) -> dict[str, Samples]:
    """Each query on each path, round after round, the paths taking turns.

    Taking turns query by query (after one warm-up round) puts the paths under the
    same conditions: the machine's and the engine's moods change over a run, and
    measuring one path after the other would charge those changes to one of them.
    """
    results: dict[str, Samples] = {name: {query: [] for query in QUERIES} for name in paths}
    for round_ in range(rounds + 1):
        order = list(paths.items())
        if round_ % 2:
            order.reverse()
        for query in QUERIES:
            for name, call in order:
                started = time.perf_counter()
                call(query)
                if round_:
                    results[name][query].append((time.perf_counter() - started) * 1000)
    return results


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def api_caller(client: httpx.Client) -> Call:
    token = client.post("/api/v1/auth/token", data={"username": "bench", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    def call(query: str) -> None:
        client.post("/api/v1/search", headers=headers,
                    json={"query": query, "size": 20}).raise_for_status()
    return call


def elastic_caller(client: httpx.Client, path: str, elasticsearch: str, alias: str) -> Call:
    """The very request body the engine sends for the query, POSTed to `path`."""
    from search.elastic import ElasticEngine
    from search.query import parse
    from search.results import SearchSpec

    engine = ElasticEngine(elasticsearch, alias=alias)
    bodies = {query: engine.request_body(SearchSpec(parse(query), ZONE, size=20))
              for query in QUERIES}

    def call(query: str) -> None:
        client.post(path, json=bodies[query]).raise_for_status().json()
    return call


def embedded_caller(data_dir: Path) -> Call:
    from search.embedded import EmbeddedEngine
    from search.query import parse
    from search.results import SearchSpec

    engine = EmbeddedEngine(data_dir / "search")

    def call(query: str) -> None:
        engine.search(SearchSpec(parse(query), ZONE, size=20))
    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elasticsearch", required=True, help="Elasticsearch URL")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--copies", type=int, default=33)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/custodia-bench-search"))
    parser.add_argument("--alias", default="bench-search", help=argparse.SUPPRESS)
    parser.add_argument("--serve-proxy", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data_dir = args.workdir / "var"
    alias = args.alias
    if args.serve_proxy:
        serve_proxy(args.elasticsearch, alias, args.serve_proxy)
        return
    env = {"CUSTODIA_DATA_DIR": str(data_dir), "CUSTODIA_IN_PROCESS_WORKER": "false",
           "CUSTODIA_INDEX_NAME": alias}
    es_env = {**env, "CUSTODIA_ELASTICSEARCH_URL": args.elasticsearch}
    if not (args.workdir / "built").exists():
        started = time.perf_counter()
        mboxes = build_mboxes(args.corpus, args.workdir / "mbox", args.copies)
        for custodian, mbox in mboxes.items():
            run(env, "ingest", "--custodian", custodian, str(mbox))
        print(f"ingested embedded in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        print(run(es_env, "reindex").strip(), f"({time.perf_counter() - started:.0f} s)")
        run(env, "user", "add", "bench", "--role", "clerk", "--password", PASSWORD)
        (args.workdir / "built").write_text("yes")

    results = measure(env, es_env, args.elasticsearch, alias, data_dir, args.rounds)
    report(results, data_dir, args.rounds)


def measure(env: dict[str, str] | None, es_env: dict[str, str] | None, elasticsearch: str,
            alias: str, embedded_dir: Path, rounds: int) -> dict[str, Samples]:
    """Every path's samples: the API over each engine given (`es_env`, `env`: their
    settings, a `bench` clerk in each) beside its direct and proxy counterparts."""
    results: dict[str, Samples] = {}
    if es_env is not None:
        results |= _over_elasticsearch(es_env, elasticsearch, alias, rounds)
    if env is not None:
        results |= _over_embedded(env, embedded_dir, rounds)
    return results


def _over_elasticsearch(es_env: dict[str, str], elasticsearch: str, alias: str,
                        rounds: int) -> dict[str, Samples]:
    port = free_port()
    proxy, proxy_url = launch([sys.executable, __file__, "--elasticsearch", elasticsearch,
                               "--alias", alias, "--serve-proxy", str(port)], {}, port)
    process, url = serve(es_env)
    try:
        with httpx.Client(base_url=url, timeout=60) as api, \
                httpx.Client(base_url=proxy_url, timeout=60) as thin, \
                httpx.Client(base_url=elasticsearch, timeout=60) as elastic:
            return interleaved({
                "API / Elasticsearch": api_caller(api),
                "FastAPI proxy": elastic_caller(thin, "/search", elasticsearch, alias),
                "Elasticsearch direct": elastic_caller(elastic, f"/{alias}/_search",
                                                       elasticsearch, alias),
            }, rounds)
    finally:
        for server in (process, proxy):
            server.terminate()
            server.wait()


def _over_embedded(env: dict[str, str], embedded_dir: Path, rounds: int) -> dict[str, Samples]:
    process, url = serve(env)
    try:
        with httpx.Client(base_url=url, timeout=60) as api:
            return interleaved({"API / embedded": api_caller(api),
                                "embedded engine direct": embedded_caller(embedded_dir)},
                               rounds)
    finally:
        process.terminate()
        process.wait()


def report(results: dict[str, Samples], data_dir: Path, rounds: int) -> None:
    from search.embedded import EmbeddedEngine
    from search.query import parse
    from search.results import SearchSpec

    names = list(results)
    engine = EmbeddedEngine(data_dir / "search") if "API / embedded" in results else None
    count = f"{engine.count()} documents; " if engine else ""
    print(f"\n{count}{len(QUERIES)} queries x {rounds} rounds, "
          "20 hits with facets; p50 ms per query")
    print(f"{'query':<38}{'hits':>8}" + "".join(f"{n.split(' ')[-1][:10]:>11}" for n in names))
    print(f"{'':<46}" + "".join(f"{n.split(' ')[0][:10]:>11}" for n in names))
    for query in QUERIES:
        total = engine.search(SearchSpec(parse(query), ZONE, size=0, facets=False)).total \
            if engine else ""
        print(f"{query[:37]:<38}{total:>8}" + "".join(
            f"{statistics.median(results[n][query]):>11.1f}" for n in names))
    print(f"\n{'path (all queries)':<26}{'p50 ms':>9}{'p95 ms':>9}")
    figures = {n: percentiles([x for q in QUERIES for x in results[n][q]]) for n in names}
    for name, (p50, p95) in figures.items():
        print(f"{name:<26}{p50:>9.1f}{p95:>9.1f}")
    if "Elasticsearch direct" in figures:
        direct, proxy = figures["Elasticsearch direct"], figures["FastAPI proxy"]
        for name, base in (("API / Elasticsearch", proxy), ("API / Elasticsearch", direct),
                           ("FastAPI proxy", direct)):
            label = "proxy" if base is proxy else "direct"
            p50, p95 = figures[name]
            print(f"{name + ' / ' + label + ':':<36} p50 {p50 / base[0]:.2f}x, "
                  f"p95 {p95 / base[1]:.2f}x (+{p95 - base[1]:.1f} ms)")
        print("target: API p95 <= 1.3x the proxy (the floor: no auth, catalog, audit, snippets)")
    if "embedded engine direct" in figures:
        print(f"embedded engine p95 {figures['embedded engine direct'][1]:.1f} ms "
              "(target < 50 ms)")


if __name__ == "__main__":
    main()
