"""Near-duplicate groups on the shared Enron slice, and what they cost beside ingest.

    .venv/bin/python bench/near_duplicates.py [--corpus ../shared/corpus]

1. `custodia ingest` of the Enron mbox slice into SQLite and the embedded index: the
   groups are formed as each batch lands (ingest's documents-stored hook), so this time
   includes them;
2. `custodia near-duplicates rebuild`: every group formed again from nothing (the cost
   of the whole computation, as a share of the ingest);
3. the groups: how many of two or more, the documents in them, the largest, and how many
   documents a reviewer would read once per group instead of once each.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CUSTODIA = str(Path(sys.executable).parent / "custodia")


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed: {result.stderr[-2000:]}")
    return time.perf_counter() - started, result.stdout


def figures(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        sizes = [row[0] for row in connection.execute(
            "SELECT count(*) FROM near_duplicates WHERE group_id IS NOT NULL GROUP BY group_id")]
        top = connection.execute("SELECT count(*) FROM documents WHERE parent_id IS NULL")
        compared = top.fetchone()[0]
    several = [s for s in sizes if s > 1]
    return {"top-level documents": compared, "groups of two or more": len(several),
            "documents in them": sum(several), "largest group": max(several, default=0),
            "reads saved (one per group)": sum(several) - len(several)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args()
    mboxes = sorted((args.corpus / "enron" / "mbox").iterdir())
    with tempfile.TemporaryDirectory(prefix="custodia-neardup-") as scratch:
        env = {"CUSTODIA_DATA_DIR": scratch, "CUSTODIA_IN_PROCESS_WORKER": "false"}
        ingest, _ = timed([CUSTODIA, "ingest", "--custodian", "enron-slice",
                           *map(str, mboxes)], env)
        rebuild, said = timed([CUSTODIA, "near-duplicates", "rebuild"], env)
        found = figures(Path(scratch) / "custodia.db")
    print(f"Enron mbox slice: {len(mboxes)} mailboxes, similarity 0.9 (the default)")
    for name, value in found.items():
        print(f"  {name:32} {value:>8,}")
    print(f"  {'ingest (groups formed as it goes)':32} {ingest:>8.1f} s")
    print(f"  {'rebuild of every group':32} {rebuild:>8.1f} s  "
          f"({rebuild / ingest:.0%} of the ingest time)")
    print(f"  rebuild said: {said.strip()}")


if __name__ == "__main__":
    main()
