"""`custodia ingest`, `reindex` and `verify-natives` as a person runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CUSTODIA = str(Path(sys.executable).parent / "custodia")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CUSTODIA, *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=300, check=False)


def test_ingest_summary_reindex_and_native_verification(corpus_dir: Path, tmp_path: Path) -> None:
    env = {"CUSTODIA_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "120"}
    maildir = corpus_dir / "enron" / "maildir"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "note.eml").write_bytes(b"not mail at all\n")
    ingested = run(env, "ingest", "--custodian", "enron", str(maildir), str(bad))
    assert ingested.returncode == 0, ingested.stderr
    assert "(done)" in ingested.stdout
    assert "6 files, 6 items, 1 errors" in ingested.stdout
    assert "new" in ingested.stdout and "5" in ingested.stdout
    assert "quarantined note.eml: not an e-mail message" in ingested.stdout

    reindexed = run(env, "reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    assert "Reindexed 5 documents into embedded version 2" in reindexed.stdout

    verified = run(env, "verify-natives")
    assert verified.returncode == 0 and "match their recorded SHA-256" in verified.stdout
    natives = sorted((tmp_path / "var" / "natives").rglob("*"))
    victim = next(p for p in natives if p.is_file())
    victim.write_bytes(victim.read_bytes() + b"tampered")
    tampered = run(env, "verify-natives")
    assert tampered.returncode == 1
    assert victim.name in tampered.stdout
    assert "do not match their recorded hash" in tampered.stderr


def test_ingest_of_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = run({"CUSTODIA_DATA_DIR": str(tmp_path)}, "ingest", "--custodian", "x", "/nope")
    assert result.returncode == 2
    assert result.stderr.strip() == "custodia: no such file or folder: /nope"
