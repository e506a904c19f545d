"""`custodia backup` and `restore` for the embedded database (SQLite).

A backup is a folder: the catalog copied with SQLite's online backup API (one consistent
snapshot while the service writes), the natives that snapshot names, every other file of
the data directory (letters, productions, certificates, uploads, the generated keys),
and manifest.json, written last. The search index is not copied: it is rebuilt from the
catalog on restore, so it can never disagree with it.

Natives are written once under their hash and never changed, so copying them after the
snapshot is consistent: every native a snapshot row names was synced before that row
was committed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.engine import make_url

from app.backup.manifest import (
    DATABASE,
    NATIVES,
    RESERVED,
    SEARCH_NOTE,
    BackupUnusable,
    Entry,
    FileEntry,
    Manifest,
    safe_path,
    write,
)
from app.core.hashing import sha256_file
from app.core.settings import Settings

CHUNK = 1 << 20


class BackupFailed(Exception):
    """The backup could not be made; nothing usable was left at the destination."""


@dataclass(frozen=True)
class Snapshot:
    """What the copied catalog itself says."""
    revision: str
    blobs: list[tuple[str, int]]
    audit_head_seq: int | None
    audit_head_hash: str | None


def database_file(settings: Settings) -> Path:
    """The SQLite file the settings name; BackupFailed for any other database."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupFailed(
            "custodia backup copies the embedded SQLite database; for PostgreSQL use "
            "pg_dump and copy the natives as the README's \"Backups\" section describes")
    return Path(url.database).resolve()


def snapshot_of(database: Path) -> Snapshot:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        blobs = connection.execute("SELECT sha256, size FROM blobs ORDER BY sha256").fetchall()
        head = connection.execute(
            "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1").fetchone()
    if revision is None:
        raise BackupUnusable(f"{database} records no schema revision")
    return Snapshot(revision[0], [(d, n) for d, n in blobs], *(head or (None, None)))


def make(settings: Settings, destination: Path, made_by: str, now: datetime) -> Manifest:
    """Copy everything into `destination` (new, or an empty folder). On failure what was
    copied is removed again and BackupFailed says why."""
    source = database_file(settings)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupFailed(f"{destination} already exists and is not an empty folder; "
                           f"give a new folder for each backup")
    destination.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        return _copy_all(settings, source, destination, made_by, now)
    except BaseException:
        _empty(destination)
        raise


def _copy_all(settings: Settings, source: Path, destination: Path, made_by: str,
              now: datetime) -> Manifest:
    copy = destination / DATABASE
    with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(copy)) as target:
        live.backup(target)  # one step: a snapshot, while writers go on (WAL)
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    copy.chmod(0o600)
    snapshot = snapshot_of(copy)
    for digest, _size in snapshot.blobs:
        _copy_native(settings.natives_dir, destination, digest)
    files = []
    for relative in _other_files(settings.data_dir, source):
        copied = copy_and_hash(settings.data_dir / relative, destination / relative)
        files.append(FileEntry(path=relative.as_posix(), size=copied.size, sha256=copied.sha256))
    manifest = Manifest(
        made_at=now, made_by=made_by, schema_revision=snapshot.revision,
        database=Entry(path=DATABASE, size=copy.stat().st_size, sha256=sha256_file(copy)),
        natives=len(snapshot.blobs), natives_bytes=sum(n for _, n in snapshot.blobs),
        files=files, audit_head_seq=snapshot.audit_head_seq,
        audit_head_hash=snapshot.audit_head_hash, search_index=SEARCH_NOTE)
    write(destination, manifest)  # last: without it, the folder is not a backup
    return manifest


def _copy_native(natives: Path, destination: Path, digest: str) -> None:
    relative = Path(digest[:2], digest[2:4], digest)
    if not (natives / relative).is_file():
        raise BackupFailed(f"native {digest} is missing from {natives}; run "
                           f"`custodia verify-natives`")
    found = copy_and_hash(natives / relative, destination / NATIVES / relative)
    if found.sha256 != digest:
        raise BackupFailed(f"native {digest} no longer matches its hash (it is now "
                           f"{found.sha256}); run `custodia verify-natives`")


def _other_files(data_dir: Path, database: Path) -> Iterator[Path]:
    """Files of the data directory the database and natives do not cover, relative.
    Names starting with "." are temporaries (uploads still arriving, keys being made)."""
    skipped = {database.name, f"{database.name}-wal", f"{database.name}-shm",
               f"{database.name}-journal"} if database.parent == data_dir.resolve() else set()
    for folder, directories, names in os.walk(data_dir):
        here = Path(folder).relative_to(data_dir)
        directories[:] = sorted(
            d for d in directories if not (here == Path() and d in RESERVED)
            and not d.startswith(".") and not (Path(folder) / d).is_symlink())
        for name in sorted(names):
            relative = here / name
            if here == Path() and name in skipped | RESERVED or name.endswith(".part"):
                continue
            if name.startswith(".") or (data_dir / relative).is_symlink():
                continue
            try:
                safe_path(relative.as_posix())
            except ValueError:
                raise BackupFailed(f"{data_dir / relative} has a name a backup cannot carry "
                                   f"(letters, digits, '.', '_', '-'); rename or remove it") from None
            yield relative


class Copied(NamedTuple):
    size: int
    sha256: str


def copy_and_hash(source: Path, target: Path) -> Copied:
    """Copy, fsync and hash in one read of the source."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as reader, open(target, "xb") as writer:
        os.fchmod(writer.fileno(), 0o600)
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return Copied(size, digest.hexdigest())


def _empty(folder: Path) -> None:
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
