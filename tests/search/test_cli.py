"""`custodia search` as a person or a script runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from search.embedded import EmbeddedEngine
from search.query import parse

CUSTODIA = str(Path(sys.executable).parent / "custodia")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CUSTODIA, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300, check=False)


def test_search_prints_total_and_ids_as_json_and_a_table(corpus_dir: Path, tmp_path: Path) -> None:
    env = {"CUSTODIA_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "160"}
    ingested = run(env, "ingest", "--custodian", "allen-p", str(corpus_dir / "enron" / "maildir"))
    assert ingested.returncode == 0, ingested.stderr
    query = "custodian:allen-p NOT zzyzxq"
    result = run(env, "search", query, "--json", "--sort", "newest")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    expected = EmbeddedEngine(tmp_path / "var" / "search").matching(parse(query), "America/Denver")
    assert found["total"] == len(expected) == 5
    assert sorted(found["ids"]) == sorted(expected)
    dates = [h["document"]["sent_at"] for h in found["hits"]]
    assert dates == sorted(dates, reverse=True)
    table = run(env, "search", "custodian:allen-p")
    assert table.returncode == 0 and "5 documents match" in table.stdout


def test_a_syntax_error_exits_2_with_the_position(tmp_path: Path) -> None:
    result = run({"CUSTODIA_DATA_DIR": str(tmp_path / "var")}, "search", "budget w/ x")
    assert result.returncode == 2
    assert "needs a number of words" in result.stderr and "position 7" in result.stderr
