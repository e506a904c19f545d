"""Threads and inclusive e-mails on the shared Enron slice, and what computing them costs.

    .venv/bin/python bench/threads.py [--corpus ../shared/corpus]

Ingests the Enron mbox slice and the EDRM export (one custodian each, as the parity
corpus does) into SQLite and the embedded index with `custodia ingest`, which threads
each batch as it lands; then times `custodia threads rebuild` over the whole catalog.
Prints the e-mails, the threads (and those of more than one message), the share of
inclusive e-mails, and the rebuild's time against the ingest's.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CUSTODIA = str(Path(sys.executable).parent / "custodia")


def run(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run([CUSTODIA, *args], env={**os.environ, **env}, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"failed: custodia {' '.join(args)}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    options = parser.parse_args()
    enron = options.corpus / "enron"
    sources: dict[str, list[Path]] = {}
    for mbox in sorted((enron / "mbox").iterdir()):
        sources.setdefault(mbox.name.split(".")[1], []).append(mbox)
    sources["bailey-s"] = [enron / "edrm-bailey-s"]
    with tempfile.TemporaryDirectory() as folder:
        env = {"CUSTODIA_DATA_DIR": folder}
        ingest = 0.0
        for custodian, paths in sources.items():
            took, _ = run(env, "ingest", "--custodian", custodian, *map(str, paths))
            ingest += took
        rebuild, output = run(env, "threads", "rebuild", "--json")
        counts = json.loads(output)
        again, output = run(env, "threads", "rebuild", "--json")
        second = json.loads(output)["changed"]
        with sqlite3.connect(Path(folder) / "custodia.db") as db:
            sizes = [n for (n,) in db.execute(
                "SELECT count(*) FROM documents WHERE kind = 'email' AND parent_id IS NULL "
                "GROUP BY thread_id")]
            how = db.execute("SELECT count(*) FROM documents WHERE kind = 'email' AND "
                             "parent_id IS NULL AND in_reply_to = '' AND \"references\" = '[]'"
                             ).fetchone()[0]
    emails = counts["emails"]
    print(f"e-mails: {emails}; threads: {counts['threads']} "
          f"({sum(1 for n in sizes if n > 1)} of more than one message, largest {max(sizes)})")
    print(f"e-mails with no In-Reply-To or References: {how}")
    print(f"inclusive: {counts['inclusive']} ({counts['inclusive'] / emails:.1%}); a reviewer "
          f"skips {emails - counts['inclusive']}")
    print(f"ingest (threads each batch): {ingest:.1f} s; threads rebuild: {rebuild:.1f} s "
          f"({rebuild / ingest:.1%} of the ingest); changed by the rebuild: {counts['changed']}, "
          f"by a second one: {second}")


if __name__ == "__main__":
    main()
