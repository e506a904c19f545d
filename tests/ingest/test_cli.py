"""`custodia ingest`, `reindex` and `verify-natives` as a person runs them."""

from __future__ import annotations

import os
import re
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


def test_the_summary_says_what_it_left_out_and_what_it_kept(tmp_path: Path) -> None:
    """Newcomers' findings: the bar ends full, a kept damaged message is not 'quarantined',
    and a summary that lists only some errors says how many more there are."""
    box = tmp_path / "box"
    box.mkdir()
    for n in range(25):
        (box / f"junk{n:02}.eml").write_bytes(b"not mail %d\n" % n)
    (box / "damaged.eml").write_bytes(b"From: a@city.example\nSubject: x\nContent-Type: text/plain;"
                                      b" charset=no-such-charset\n\n\xff\xfe body\n")
    result = run({"CUSTODIA_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "120"},
                 "ingest", "--custodian", "clerk", str(box))
    assert result.returncode == 0, result.stderr
    done, total = re.search(r"(\d+)/(\d+)\s+bytes", result.stdout).groups()  # type: ignore[union-attr]
    assert done == total
    assert "kept, damaged damaged.eml: damaged message kept as read" in result.stdout
    assert "quarantined damaged.eml" not in result.stdout
    listed = re.findall(r"^  (?:quarantined|kept, damaged) ", result.stdout, re.MULTILINE)
    assert len(listed) == 20
    assert "... and 6 more: GET /api/v1/ingest/errors?job_id=" in result.stdout
