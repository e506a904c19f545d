"""City scale: a million messages ingested, searched and stored, beside baselines of the same run.

    .venv/bin/python bench/scale.py --elasticsearch URL --postgres URL
        [--messages 1000000] [--parts ingest,search,disk,big] [--big-mb 2048]
        [--big-pst FILE] [--workdir DIR] [--corpus ../shared/corpus]
        [--deployments embedded,scaled-1,scaled-2]

1. Generates the corpus, streamed to four mbox files (so two workers have jobs to share):
   the Enron mbox slice again and again, each copy perturbed (a subject tag and two
   words of the slice's vocabulary, so none deduplicates) and moved to its own stretch
   of time (COPY_DAYS later than the copy before, its Message-ID, In-Reply-To and
   References renamed alike): a copy threads as the slice does, as the years of a
   city's mail do, instead of every copy joining one huge thread; a share
   of the messages carries attachments, the share and the files those of the EDRM
   bailey-s export (the only part of the corpus that kept its attachments).
2. ingest: a bare standard-library parse loop over the same bytes (bench/ingest.py's
   baseline), then `custodia worker` over the four queued jobs for: SQLite and the
   embedded engine with one worker; PostgreSQL and Elasticsearch with one worker;
   the same with two. Messages per second, peak RSS of each worker, ratio to baseline.
3. search: bench/search.py's measurement over the two-worker scaled deployment and
   the embedded one (API against Elasticsearch direct and the thinnest proxy).
4. disk: natives, catalog and index per message, against the raw mbox bytes.
5. big: one generated mbox of --big-mb MB (and --big-pst, a PST of the city's, when
   given: no multi-GB PST can be generated here) ingested embedded and into
   Elasticsearch; peak RSS against the 500 MB target.
Targets: ingest >= 0.8x baseline with one worker, >= 1.4x with two on PostgreSQL;
embedded search p95 < 50 ms; big files under 500 MB RSS.
"""

from __future__ import annotations

import argparse
import base64
import email.utils
import importlib.util
import json
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
CUSTODIA = str(Path(sys.executable).parent / "custodia")
FILES = 4
ENVELOPE = b"From bench@example Thu Jan  1 00:00:00 2026\n"
RSS_TARGET_MB = 500
COPY_DAYS = 45  # more than the 30-day thread window: copies do not thread together
_IDS = re.compile(rb"(?im)^(?:Message-ID|In-Reply-To|References):.*(?:\n[ \t].*)*")
_DATE = re.compile(rb"(?im)^Date: (.*)$")


def bench_module(name: str) -> ModuleType:
    """bench/<name>.py (its name is taken by the package it measures)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


INGEST, SEARCH = bench_module("ingest"), bench_module("search")


# ------------------------------------------------------------------ corpus

def edrm_attachments(corpus: Path) -> tuple[float, list[list[tuple[str, bytes]]]]:
    """The share of EDRM messages with attachments, and each such message's files."""
    root = corpus / "enron" / "edrm-bailey-s"
    messages = list(root.rglob("*.eml"))
    by_message: dict[tuple[Path, str], list[tuple[str, bytes]]] = {}
    for path in root.rglob("*"):
        match = re.match(r"(\d+)-(.+)", path.name)
        if path.is_file() and match and path.suffix != ".eml":
            by_message.setdefault((path.parent, match[1]), []).append(
                (match[2], base64.encodebytes(path.read_bytes())))
    return len(by_message) / len(messages), list(by_message.values())


def with_attachments(message: bytes, files: list[tuple[str, bytes]], serial: int) -> bytes:
    """`message` as multipart/mixed: its own text first, then `files` (base64)."""
    head, _, body = message.partition(b"\n\n")
    kept, text_headers = [], []
    for line in re.split(rb"\n(?![ \t])", head):
        name = line.split(b":", 1)[0].strip().lower()
        if name in (b"content-type", b"content-transfer-encoding"):
            text_headers.append(line)
        elif name != b"mime-version":
            kept.append(line)
    boundary = f"scale-{serial}".encode()
    parts = [b"\n".join(kept), b"MIME-Version: 1.0",
             b'Content-Type: multipart/mixed; boundary="' + boundary + b'"', b"",
             b"--" + boundary, *text_headers, b"", body]
    for name, encoded in files:
        quoted = name.replace('"', "").encode("utf-8", "replace")
        parts += [b"--" + boundary, b"Content-Type: application/octet-stream",
                  b'Content-Disposition: attachment; filename="' + quoted + b'"',
                  b"Content-Transfer-Encoding: base64", b"", encoded]
    return b"\n".join([*parts, b"--" + boundary + b"--", b""])


def generate(corpus: Path, target: Path, messages: int) -> tuple[list[Path], int, float]:
    """FILES mboxes of `messages` messages; returns them, their bytes, the attachment share."""
    rng = random.Random(2026)
    sources = [c.split(b"\n", 1)[1] for path in sorted((corpus / "enron" / "mbox").iterdir())
               for c in path.read_bytes().split(b"\nFrom ") if b"\n" in c]
    vocabulary = sorted({w for c in sources[:2000] for w in re.findall(rb"[a-z]{5,12}", c)})
    share, attachments = edrm_attachments(corpus)
    target.mkdir(parents=True, exist_ok=True)
    paths = [target / f"scale-{i}.mbox" for i in range(FILES)]
    outs = [p.open("wb") for p in paths]
    written = 0
    try:
        for serial in range(messages):
            copy = serial // len(sources)
            message = sources[serial % len(sources)]
            message = message.replace(b"\nSubject: ", f"\nSubject: [{serial}] ".encode(), 1)
            if copy:
                message = moved(message, copy)
            message = message.rstrip(b"\n") + b"\n" + b" ".join(rng.sample(vocabulary, 2)) + b"\n"
            if rng.random() < share and b"multipart" not in message[:4000].lower():
                message = with_attachments(message, rng.choice(attachments), serial)
            data = ENVELOPE + message + b"\n"
            outs[serial % FILES].write(data)
            written += len(data)
    finally:
        for out in outs:
            out.close()
    return paths, written, share


def moved(message: bytes, copy: int) -> bytes:
    """The message as copy `copy` of the slice has it: its ids renamed, its date later."""
    head, sep, body = message.partition(b"\n\n")
    prefix = f"<c{copy}.".encode()
    head = _IDS.sub(lambda m: m.group(0).replace(b"<", prefix), head)
    found = _DATE.search(head)
    if found:
        try:
            sent = email.utils.parsedate_to_datetime(found.group(1).decode("ascii", "replace"))
        except (TypeError, ValueError):
            return head + sep + body
        later = email.utils.format_datetime(sent + timedelta(days=COPY_DAYS * copy)).encode()
        head = head[:found.start(1)] + later + head[found.end(1):]
    return head + sep + body


# ------------------------------------------------------------------ ingest

def fresh_postgres(admin_url: str, name: str) -> str:
    """An empty database `name` beside `admin_url`'s; returns its SQLAlchemy URL."""
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


@dataclass
class Run:
    seconds: float
    peaks: list[float]  # MB, one per worker
    cpu: dict[str, float]  # CPU seconds: the workers', and each server's during the run


def server_cpu() -> dict[str, float]:
    """CPU seconds used so far by the PostgreSQL and Elasticsearch processes on this machine
    (from /proc). A PostgreSQL backend that has exited is counted in its postmaster's
    reaped-children time, so connections that come and go are not lost."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"PostgreSQL": 0.0, "Elasticsearch": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        server = ("Elasticsearch" if b"org.elasticsearch" in command else
                  "PostgreSQL" if command.startswith(b"postgres") or b"/postgres " in command
                  else None)
        if server is not None:  # utime, stime, cutime, cstime: fields 14-17 of stat
            used[server] += sum(int(f) for f in fields[11:15]) / tick
    return used


def ingest_with_workers(paths: list[Path], env: dict[str, str], workers: int) -> Run:
    """Queue one job per file, then time `workers` workers until the queue is empty."""
    SEARCH.run(env, "migrate")
    for path in paths:
        SEARCH.run(env, "ingest", "--queue", "--custodian", path.stem, str(path))
    servers = server_cpu()
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        runs = list(pool.map(lambda _: INGEST.peak_of([CUSTODIA, "worker", "--once"], env),
                             range(workers)))
    seconds = time.perf_counter() - started
    after = server_cpu()
    cpu = {"workers": sum(c for _, _, c in runs),
           **{name: after[name] - servers[name] for name in servers}}
    return Run(seconds, [rss for _, rss, _ in runs], cpu)


EMBEDDED = "embedded (SQLite), 1 worker"
DEPLOYMENTS = {"embedded": 0, "scaled-1": 1, "scaled-2": 2}  # --deployments: workers on PG


def scaled_name(workers: int) -> str:
    return f"PostgreSQL + Elasticsearch, {workers} worker{'s' * (workers > 1)}"


def deployments(args: argparse.Namespace, work: Path) -> dict[str, tuple[dict[str, str], int]]:
    base = {"CUSTODIA_IN_PROCESS_WORKER": "false", "CUSTODIA_LEASE_SECONDS": "3600"}
    scaled = {"CUSTODIA_ELASTICSEARCH_URL": args.elasticsearch}
    found: dict[str, tuple[dict[str, str], int]] = {}
    if "embedded" in args.deployments:
        found[EMBEDDED] = ({**base, "CUSTODIA_DATA_DIR": str(work / "embedded")}, 1)
    for workers in (DEPLOYMENTS[d] for d in args.deployments if DEPLOYMENTS[d]):
        name = f"scale_{workers}w"
        httpx.delete(f"{args.elasticsearch}/bench-{name}-v*", timeout=60)
        found[scaled_name(workers)] = ({
            **base, **scaled, "CUSTODIA_DATA_DIR": str(work / name),
            "CUSTODIA_INDEX_NAME": f"bench-{name}",
            "CUSTODIA_DATABASE_URL": fresh_postgres(args.postgres, f"bench_{name}")}, workers)
    return found


def measure_ingest(args: argparse.Namespace, work: Path, paths: list[Path], messages: int
                   ) -> dict[str, dict[str, str]]:
    seconds, rss, cpu = INGEST.peak_of(
        [sys.executable, "-c", INGEST.BASELINE, str(paths[0].parent)], {})
    baseline = messages / seconds
    runs = {"baseline: stdlib parse of the same bytes": Run(seconds, [rss], {"workers": cpu})}
    print(f"baseline: {seconds:.0f} s", flush=True)
    envs = {}
    for name, (env, workers) in deployments(args, work).items():
        runs[name] = ingest_with_workers(paths, env, workers)
        envs[name] = env
        print(f"{name}: {runs[name].seconds:.0f} s", flush=True)
    print(f"\n{'ingest of ' + format(messages, ',') + ' messages':<46}{'msg/s':>8}"
          f"{'peak RSS MB':>16}{'x baseline':>12}")
    for name, run in runs.items():
        rate = messages / run.seconds
        print(f"{name:<46}{rate:>8.0f}{' + '.join(f'{p:.0f}' for p in run.peaks):>16}"
              f"{rate / baseline:>12.2f}")
    print("targets: >= 0.8x with one worker, >= 1.4x with two workers on PostgreSQL\n")
    report_cpu(runs, messages, baseline)
    return envs


def report_cpu(runs: dict[str, Run], messages: int, baseline: float) -> None:
    """Where the CPU goes, per message, and the best rate this machine's cores allow: CPU
    time does not depend on what else runs beside the bench, wall time does."""
    cores = os.cpu_count() or 1
    print(f"{'CPU ms per message':<46}{'workers':>9}{'PostgreSQL':>12}{'Elastic':>9}"
          f"{'total':>8}{f'ceiling on {cores} cores, x baseline':>34}")
    for name, run in runs.items():
        per = {k: 1000 * v / messages for k, v in run.cpu.items()}
        total = sum(per.values())
        ceiling = cores * 1000 / total / baseline
        print(f"{name:<46}{per['workers']:>9.2f}{per.get('PostgreSQL', 0):>12.2f}"
              f"{per.get('Elasticsearch', 0):>9.2f}{total:>8.2f}{ceiling:>34.2f}")
    print("ceiling: every core busy with this work alone (cores / CPU per message)\n")


def count_documents(env: dict[str, str]) -> int:
    out = SEARCH.run(env, "search", "--json", "--size", "1",
                     "type:email OR type:attachment OR type:voicemail")
    return int(json.loads(out)["total"])


# ------------------------------------------------------------------ disk

def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def measure_disk(envs: dict[str, dict[str, str]], raw: int, messages: int,
                 elasticsearch: str) -> None:
    print(f"{'disk per message (bytes)':<46}{'natives':>9}{'catalog':>9}{'index':>9}"
          f"{'x raw mbox':>12}")
    print(f"{'raw mbox':<46}{raw / messages:>9.0f}{'':>18}{1:>12.2f}")
    for name, env in envs.items():
        data = Path(env["CUSTODIA_DATA_DIR"])
        natives = size_of(data / "natives")
        if "CUSTODIA_DATABASE_URL" in env:
            catalog = postgres_size(env["CUSTODIA_DATABASE_URL"])
            index = elastic_size(elasticsearch, env["CUSTODIA_INDEX_NAME"])
        else:
            catalog = sum(p.stat().st_size for p in data.glob("custodia.db*"))
            index = size_of(data / "search")
        total = natives + catalog + index
        print(f"{name:<46}{natives / messages:>9.0f}{catalog / messages:>9.0f}"
              f"{index / messages:>9.0f}{total / raw:>12.2f}")
    print()


def postgres_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def elastic_size(elasticsearch: str, alias: str) -> int:
    """The primaries' store (a replica, on a cluster, doubles it)."""
    stats: dict[str, Any] = httpx.get(f"{elasticsearch}/{alias}/_stats/store", timeout=60).json()
    return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])


# ------------------------------------------------------------------ big files

def measure_big(args: argparse.Namespace, work: Path) -> None:
    big = work / "big.mbox"
    files = sorted((args.corpus / "enron" / "mbox").iterdir())
    count = INGEST.big_mbox(files, big, args.big_mb)
    inputs = [(f"mbox {big.stat().st_size / 1e9:.2f} GB ({count:,} messages)", big)]
    if args.big_pst:
        inputs.append((f"PST {args.big_pst.stat().st_size / 1e9:.2f} GB", args.big_pst))
    print(f"{'one big file':<40}{'into':>15}{'minutes':>9}{'peak RSS MB':>13}")
    for label, path in inputs:
        for engine, extra in (("embedded", {}), ("Elasticsearch", {
                "CUSTODIA_ELASTICSEARCH_URL": args.elasticsearch,
                "CUSTODIA_INDEX_NAME": f"bench-big-{path.suffix[1:]}"})):
            data = work / f"big-{path.suffix[1:]}-{engine}"
            seconds, rss, _ = INGEST.peak_of([CUSTODIA, "ingest", "--custodian", "big", str(path)],
                                             {"CUSTODIA_DATA_DIR": str(data), **extra})
            print(f"{label:<40}{engine:>15}{seconds / 60:>9.1f}{rss:>13.0f}", flush=True)
            shutil.rmtree(data)
            if extra:
                httpx.delete(f"{args.elasticsearch}/{extra['CUSTODIA_INDEX_NAME']}-v*", timeout=60)
    if not args.big_pst:
        print("(no PST: give --big-pst FILE; none of multi-GB size can be generated here)")
    print(f"target: under {RSS_TARGET_MB} MB each\n")


def choices(text: str) -> list[str]:
    chosen = text.split(",")
    for name in chosen:
        if name not in DEPLOYMENTS:
            sys.exit(f"unknown deployment {name!r}: choose among {', '.join(DEPLOYMENTS)}")
    return chosen


def parts(text: str) -> Iterator[str]:
    for part in text.split(","):
        if part not in ("ingest", "search", "disk", "big"):
            sys.exit(f"unknown part {part!r}: choose among ingest, search, disk, big")
        yield part


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elasticsearch", required=True, help="Elasticsearch URL")
    parser.add_argument("--postgres", required=True,
                        help="PostgreSQL URL of a user that may create databases")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--parts", default="ingest,search,disk,big")
    parser.add_argument("--deployments", type=choices, default=list(DEPLOYMENTS),
                        help="which of embedded, scaled-1, scaled-2 to ingest into (a million "
                             "messages takes about an hour each)")
    parser.add_argument("--big-mb", type=int, default=2048)
    parser.add_argument("--big-pst", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/custodia-bench-scale"))
    args = parser.parse_args()
    chosen = set(parts(args.parts))
    shutil.rmtree(args.workdir, ignore_errors=True)
    work = args.workdir
    started = time.perf_counter()
    paths, raw, share = generate(args.corpus, work / "mbox", args.messages)
    print(f"corpus: {args.messages:,} messages, {raw / 1e9:.2f} GB in {FILES} mboxes, "
          f"{share:.1%} with attachments ({time.perf_counter() - started:.0f} s)", flush=True)
    if chosen & {"ingest", "search", "disk"}:
        envs = measure_ingest(args, work, paths, args.messages)
        for name, env in envs.items():
            print(f"{name}: {count_documents(env):,} documents")
        if "disk" in chosen:
            measure_disk(envs, raw, args.messages, args.elasticsearch)
        if "search" in chosen:
            embedded = envs.get(EMBEDDED)
            scaled = envs.get(scaled_name(2), envs.get(scaled_name(1)))
            for env in (e for e in (embedded, scaled) if e is not None):
                SEARCH.run(env, "user", "add", "bench", "--role", "clerk",
                           "--password", SEARCH.PASSWORD)
            data = Path((embedded or {}).get("CUSTODIA_DATA_DIR", work / "embedded"))
            results = SEARCH.measure(embedded, scaled, args.elasticsearch,
                                     (scaled or {}).get("CUSTODIA_INDEX_NAME", ""), data,
                                     args.rounds)
            SEARCH.report(results, data, args.rounds)
    if "big" in chosen:
        measure_big(args, work)


if __name__ == "__main__":
    main()
