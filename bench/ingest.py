"""Ingest throughput and memory, beside a bare standard-library parse of the same files.

    .venv/bin/python bench/ingest.py [--corpus ../shared/corpus] [--elasticsearch URL]
                                     [--big-mb 300]

Each measurement runs in a child process so that its peak RSS is its own:
- baseline: read every message of the Enron mbox slice and parse it with the
  standard library (email.message_from_bytes, policy.default; headers and body read);
- embedded: `custodia ingest` of the same files into SQLite and the embedded index;
- elasticsearch (with --elasticsearch): the same into SQLite and Elasticsearch;
- big mbox: a generated mbox of --big-mb megabytes (Enron messages repeated with
  perturbed subjects), ingested embedded, to show memory stays bounded.
Prints messages per second, peak RSS, and each run's ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CUSTODIA = str(Path(sys.executable).parent / "custodia")
SEPARATOR = re.compile(rb"^From ", re.M)

BASELINE = """
import email, sys
from email import policy
from pathlib import Path
count = 0
for path in sorted(Path(sys.argv[1]).iterdir()):
    for chunk in path.read_bytes().split(b"\\nFrom ")[0:]:
        data = chunk.split(b"\\n", 1)[1] if b"\\n" in chunk else b""
        message = email.message_from_bytes(data, policy=policy.default)
        for name in ("From", "To", "Cc", "Subject", "Date", "Message-ID"):
            message.get(name)
        body = message.get_body(("plain", "html"))
        if body is not None:
            body.get_content()
        count += 1
print(count)
"""


def child(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a child; return its wall time, its peak RSS in MB, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(command, env={**os.environ, **(env or {})}, capture_output=True,
                            text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024, result.stdout


def peak_of(command: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """One child alone: its wall seconds, peak RSS in MB (getrusage keeps the largest child
    ever seen, hence the wrapper) and CPU seconds (user + system)."""
    wrapper = [sys.executable, "-c",
               "import resource, subprocess, sys, json, time; t = time.perf_counter(); "
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
               "print(json.dumps({'rc': r.returncode, 'seconds': time.perf_counter() - t, "
               "'rss': u.ru_maxrss / 1024, 'cpu': u.ru_utime + u.ru_stime, "
               "'err': r.stderr[-2000:]}))", *command]
    result = subprocess.run(wrapper, env={**os.environ, **env}, capture_output=True, text=True,
                            check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if report["rc"] != 0:
        sys.exit(f"failed: {' '.join(command)}\n{report['err']}")
    return report["seconds"], report["rss"], report["cpu"]


def ingest_run(files: list[Path], workdir: Path, extra_env: dict[str, str]) -> tuple[float, float]:
    """One `custodia ingest` of the whole slice (process start-up included, once)."""
    env = {"CUSTODIA_DATA_DIR": str(workdir), **extra_env}
    seconds, peak, _ = peak_of([CUSTODIA, "ingest", "--custodian", "enron-slice",
                                *map(str, files)], env)
    return seconds, peak


def big_mbox(source: list[Path], target: Path, megabytes: int) -> int:
    """An mbox of about `megabytes` MB: the slice's messages again and again, each unique."""
    messages = [m for path in source for m in path.read_bytes().split(b"\nFrom ")]
    written = count = 0
    with target.open("wb") as out:
        while written < megabytes * 1024 * 1024:
            for chunk in messages:
                body = chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""
                body = body.replace(b"\nSubject: ", f"\nSubject: [copy {count}] ".encode(), 1)
                data = b"From bench@example Thu Jan  1 00:00:00 2026\n" + body + b"\n"
                out.write(data)
                written += len(data)
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--elasticsearch", default="", help="an Elasticsearch URL to include")
    parser.add_argument("--big-mb", type=int, default=300, help="size of the generated mbox")
    args = parser.parse_args()
    mbox_dir = args.corpus / "enron" / "mbox"
    files = sorted(mbox_dir.iterdir())
    messages = sum(len(SEPARATOR.findall(p.read_bytes())) for p in files)
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    print(f"Enron mbox slice: {messages} messages, {megabytes:.1f} MB, {len(files)} files",
          flush=True)

    seconds, rss, out = child([sys.executable, "-c", BASELINE, str(mbox_dir)])
    baseline = messages / seconds
    rows = [("baseline: stdlib parse only", messages / seconds, rss)]
    print(f"baseline done in {seconds:.1f}s", flush=True)
    with tempfile.TemporaryDirectory() as work:
        seconds, rss = ingest_run(files, Path(work) / "embedded", {})
        rows.append(("custodia ingest, embedded", messages / seconds, rss))
        print(f"embedded done in {seconds:.1f}s", flush=True)
        if args.elasticsearch:
            seconds, rss = ingest_run(files, Path(work) / "es", {
                "CUSTODIA_ELASTICSEARCH_URL": args.elasticsearch,
                "CUSTODIA_INDEX_NAME": f"bench-{os.getpid()}"})
            rows.append(("custodia ingest, Elasticsearch", messages / seconds, rss))
            print(f"elasticsearch done in {seconds:.1f}s", flush=True)
            subprocess.run(["curl", "-s", "-XDELETE",
                            f"{args.elasticsearch}/bench-{os.getpid()}-v*"], check=False,
                           capture_output=True)
        big = Path(work) / "big.mbox"
        count = big_mbox(files, big, args.big_mb)
        seconds, rss, _ = peak_of([CUSTODIA, "ingest", "--custodian", "bench", str(big)],
                                  {"CUSTODIA_DATA_DIR": str(Path(work) / "big")})
        big_row = (f"big mbox {args.big_mb} MB ({count} messages), embedded", count / seconds, rss)

    print(f"{'run':<44} {'msg/s':>9} {'peak RSS MB':>12} {'ratio':>7}")
    for name, rate, peak in [*rows, big_row]:
        print(f"{name:<44} {rate:>9.0f} {peak:>12.0f} {rate / baseline:>7.2f}")
    print("ratio = messages per second / baseline messages per second (target >= 0.5)")


if __name__ == "__main__":
    main()
