"""A backup made while a worker ingests, restored into a fresh data directory, answers as
the original did for everything it holds; and a backup that is not whole is refused."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.test_workers import CUSTODIA, custodia, environment

QUERIES = ('"gas prices"', "subject:meeting", "forecast AND NOT california", "storage OR rent")


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute(sql).fetchall()


def answers(env: dict[str, str], query: str) -> tuple[int, set[str]]:
    found = json.loads(custodia(env, "search", "--json", "--size", "200", query).stdout)
    return found["total"], set(found["ids"])


def test_a_backup_made_during_ingest_restores_to_the_same_answers(
    tmp_path: Path, corpus_dir: Path,
) -> None:
    original = environment(tmp_path / "a", "")
    catalog = tmp_path / "a" / "var" / "custodia.db"
    mailboxes = sorted((corpus_dir / "enron" / "mbox").glob("enron.allen-p.*"))
    custodia(original, "ingest", "--queue", "--custodian", "allen-p", *map(str, mailboxes))
    custodia(original, "retention", "run", "--dry-run")  # a certificate: a file to carry
    worker = subprocess.Popen([CUSTODIA, "worker", "--once", "--poll", "0.1"], env=original,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while rows(catalog, "SELECT count(*) FROM documents")[0][0] < 300:
        assert time.monotonic() < deadline and worker.poll() is None, worker.stderr
        time.sleep(0.2)
    made = custodia(original, "backup", str(tmp_path / "backup"))
    assert "The search index is rebuilt on restore" in made.stdout
    assert worker.wait(timeout=300) == 0

    backup = tmp_path / "backup"
    assert rows(backup / "custodia.db", "SELECT status FROM ingest_jobs") == [("running",)]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["natives"] == rows(backup / "custodia.db", "SELECT count(*) FROM blobs")[0][0]

    restored = environment(tmp_path / "b", "")
    done = custodia(restored, "restore", str(backup))
    assert f"audit trail to entry {manifest['audit_head_seq']}" in done.stdout
    restored_catalog = tmp_path / "b" / "var" / "custodia.db"

    # The trail: the original's, entry for entry up to the backup, then the restore itself.
    custodia(restored, "audit", "verify")
    head = manifest["audit_head_seq"]
    before = rows(catalog, f"SELECT seq, hash FROM audit_entries WHERE seq <= {head} ORDER BY seq")
    after = rows(restored_catalog, "SELECT seq, hash, action FROM audit_entries ORDER BY seq")
    assert [(s, h) for s, h, _ in after[:len(before)]] == before
    assert after[len(before)][2] == "backup.restore"
    # The natives: every one the catalog names, unaltered.
    natives = custodia(restored, "verify-natives").stdout
    assert f"All {manifest['natives']} natives match" in natives
    # The certificate file came along, and still matches its recorded hash.
    (path, digest), = rows(restored_catalog, "SELECT certificate_path, certificate_sha256 "
                                             "FROM retention_runs")
    assert digest == manifest_hash(manifest, str(path))

    # Search: for each query, the original's answer less what arrived after the backup.
    kept = {str(r[0]).replace("-", "") for r in rows(restored_catalog, "SELECT id FROM documents")}
    for query in QUERIES:
        total, ids = answers(original, query)
        assert 0 < total <= 200, query  # every id compared
        expected = {i for i in ids if i.replace("-", "") in kept}
        assert answers(restored, query) == (len(expected), expected), query


def manifest_hash(manifest: dict[str, object], path: str) -> str:
    files = manifest["files"]
    assert isinstance(files, list)
    return next(str(f["sha256"]) for f in files if f["path"] == path)


# Bad inputs: a clear error, and nothing changed.

@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> tuple[Path, Path]:
    """A small data directory with its backup: (data directory's parent, backup)."""
    root = tmp_path_factory.mktemp("made")
    env = environment(root, "")
    custodia(env, "ingest", "--custodian", "allen-p",
             str(corpus_dir / "enron" / "mbox" / "enron.allen-p.inbox"))
    custodia(env, "retention", "run", "--dry-run")
    custodia(env, "backup", str(root / "backup"))
    return root, root / "backup"


def refused(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([CUSTODIA, *args], env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    return " ".join(result.stderr.split())


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_backup_refuses_a_folder_inside_the_data_directory_or_not_empty(
    made: tuple[Path, Path], tmp_path: Path,
) -> None:
    root, _ = made
    env = environment(root, "")
    assert "inside the data directory" in refused(env, "backup", str(root / "var" / "copy"))
    assert not (root / "var" / "copy").exists()
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("keep me")
    assert "not an empty folder" in refused(env, "backup", str(tmp_path / "used"))
    assert tree(tmp_path / "used") == {"notes.txt": b"keep me"}


def test_backup_of_postgresql_points_to_pg_dump(tmp_path: Path, fresh_postgres: str) -> None:
    env = environment(tmp_path, fresh_postgres)
    custodia(env, "migrate")
    assert "pg_dump" in refused(env, "backup", str(tmp_path / "copy"))
    assert not (tmp_path / "copy").exists()


def test_a_native_gone_from_the_data_directory_fails_the_backup_and_leaves_nothing(
    made: tuple[Path, Path], tmp_path: Path,
) -> None:
    root, _ = made
    shutil.copytree(root / "var", tmp_path / "var")
    victim = next(p for p in (tmp_path / "var" / "natives").rglob("*") if p.is_file())
    victim.unlink()
    message = refused(environment(tmp_path, ""), "backup", str(tmp_path / "copy"))
    assert f"native {victim.name} is missing" in message and "verify-natives" in message
    assert list((tmp_path / "copy").iterdir()) == []


def test_restore_refuses_a_data_directory_in_use(made: tuple[Path, Path]) -> None:
    root, backup = made
    before = tree(root / "var")
    assert "is not empty" in refused(environment(root, ""), "restore", str(backup))
    assert tree(root / "var") == before


def _native(backup: Path) -> Path:
    return next(p for p in sorted((backup / "natives").rglob("*")) if p.is_file())


def _edit_manifest(backup: Path, change: Callable[[dict[str, Any]], None]) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    change(manifest)
    (backup / "manifest.json").write_text(json.dumps(manifest))


def _symlinked_file(backup: Path) -> None:
    listed = backup / json.loads((backup / "manifest.json").read_text())["files"][0]["path"]
    listed.unlink()
    listed.symlink_to("/etc/passwd")


TAMPERED: dict[str, tuple[Callable[[Path], None], str]] = {
    "no manifest": (lambda b: (b / "manifest.json").unlink(), "has no manifest.json"),
    "native altered": (lambda b: _native(b).write_bytes(b"forged"), "in the backup is altered"),
    "native missing": (lambda b: _native(b).unlink(), "is missing from the backup"),
    "catalog altered": (lambda b: (b / "custodia.db").write_bytes(
        (b / "custodia.db").read_bytes()[:-1] + b"!"), "custodia.db in the backup is altered"),
    "path climbs out": (lambda b: _edit_manifest(b, lambda m: m["files"][0].update(
        path="../../../etc/passwd")), "is not a plain relative path"),
    "listed file is a link": (_symlinked_file, "is not a plain file"),
    "unknown schema": (lambda b: _edit_manifest(b, lambda m: m.update(
        schema_revision="9999_from_the_future")), "not at the schema its manifest names"),
    "extra field": (lambda b: _edit_manifest(b, lambda m: m.update(run="rm -rf /")),
                    "Extra inputs are not permitted"),
}


@pytest.mark.parametrize("damage", TAMPERED, ids=list(TAMPERED))
def test_restore_refuses_a_backup_that_is_not_whole_and_writes_nothing(
    made: tuple[Path, Path], tmp_path: Path, damage: str,
) -> None:
    _, backup = made
    copy = tmp_path / "backup"
    shutil.copytree(backup, copy, symlinks=True)
    change, expected = TAMPERED[damage]
    change(copy)
    env = environment(tmp_path / "fresh", "")
    assert expected in refused(env, "restore", str(copy))
    assert list((tmp_path / "fresh" / "var").iterdir()) == []
