"""The search page's latency beside the API call it wraps, at the search bench's index.

    .venv/bin/python bench/ui_search.py [--documents 200000] [--rounds 20]
                                        [--workdir DIR] [--corpus ../shared/corpus]
                                        [--elasticsearch URL]

1. Builds the index as bench/search.py does (its builder: the Enron mbox slice copied
   until there are about --documents messages, each copy perturbed so none
   deduplicates), ingested with `custodia ingest` into SQLite and the embedded engine
   (and copied into Elasticsearch with `custodia reindex` when --elasticsearch is given).
   The workdir is kept per size; a second run skips the build.
2. Serves the app once (`custodia serve`) and signs the same clerk in twice: through
   the sign-in page (a session cookie) and for a bearer token.
3. Sends bench/search.py's queries, --rounds times after a warm-up round, the two paths
   taking turns query by query: GET /search?q=... (the whole HTML page: the search,
   facets, snippets, families, the saved searches and open requests, the audit entry)
   and POST /api/v1/search with the same query (20 hits, facets, snippets, audit).
Prints p50 and p95 of each and the ratio p95(page) / p95(API) (target: at most 1.3).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_search", REPO / "bench" / "search.py")
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
SLICE = 6239  # messages in the shared corpus's Enron mbox slice (one copy)


def page_caller(client: httpx.Client) -> bench.Call:  # type: ignore[name-defined]
    """GET /search as a signed-in browser does: the session cookie from the sign-in page."""
    form = client.get("/sign-in").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post("/sign-in", data={"username": "bench", "password": bench.PASSWORD,
                                           "csrf_token": token, "next": "/dashboard"})
    assert signed.status_code in (200, 303) and "custodia_session" in client.cookies, signed.text

    def call(query: str) -> None:
        answer = client.get("/search", params={"q": query})
        answer.raise_for_status()
        assert "match</h2>" in answer.text, query
    return call


def build(args: argparse.Namespace, env: dict[str, str], es_env: dict[str, str]) -> None:
    copies = max(1, math.ceil(args.documents / SLICE))
    started = time.perf_counter()
    mboxes = bench.build_mboxes(args.corpus, args.workdir / "mbox", copies)
    for custodian, mbox in mboxes.items():
        bench.run(env, "ingest", "--custodian", custodian, str(mbox))
    print(f"ingested {copies} copies of the slice in {time.perf_counter() - started:.0f} s",
          flush=True)
    if args.elasticsearch:
        print(bench.run(es_env, "reindex").strip())
    bench.run(env, "user", "add", "bench", "--role", "clerk", "--password", bench.PASSWORD)
    (args.workdir / "built").write_text("yes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200_000,
                        help="about how many messages to index (the issue's figure: 200k)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--elasticsearch", default="", help="search through Elasticsearch")
    args = parser.parse_args()
    args.workdir = args.workdir or Path(f"/tmp/custodia-bench-ui-search-{args.documents}")
    alias = "bench-ui-search"
    env = {"CUSTODIA_DATA_DIR": str(args.workdir / "var"), "CUSTODIA_IN_PROCESS_WORKER": "false",
           "CUSTODIA_INDEX_NAME": alias,
           "CUSTODIA_WEB_WORKERS": "1"}  # one process serves both paths: the same conditions
    es_env = {**env, "CUSTODIA_ELASTICSEARCH_URL": args.elasticsearch}
    if not (args.workdir / "built").exists():
        build(args, env, es_env)
    process, url = bench.serve(es_env if args.elasticsearch else env)
    try:
        with httpx.Client(base_url=url, timeout=60) as browser, \
                httpx.Client(base_url=url, timeout=60) as api:
            results = bench.interleaved({"page GET /search": page_caller(browser),
                                         "API POST /api/v1/search": bench.api_caller(api)},
                                        args.rounds)
    finally:
        process.terminate()
        process.wait()
    engine = "Elasticsearch" if args.elasticsearch else "embedded engine"
    print(f"\n{engine}, about {args.documents} messages; {len(bench.QUERIES)} queries x "
          f"{args.rounds} rounds, 20 hits with facets, one server process")
    figures = {name: bench.percentiles([x for q in bench.QUERIES for x in samples[q]])
               for name, samples in results.items()}
    print(f"{'path':<28}{'p50 ms':>9}{'p95 ms':>9}")
    for name, (p50, p95) in figures.items():
        print(f"{name:<28}{p50:>9.1f}{p95:>9.1f}")
    (page50, page95), (api50, api95) = figures.values()
    print(f"page / API: p50 {page50 / api50:.2f}x, p95 {page95 / api95:.2f}x "
          f"(+{page95 - api95:.1f} ms); target p95 <= 1.3x")


if __name__ == "__main__":
    sys.exit(main())
