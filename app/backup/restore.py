"""`custodia restore`: a backup folder back into an empty data directory.

Everything is first copied into a staging folder inside the data directory and checked
there, against the manifest and against the natives' own names: what is checked is
what stays. Only when every byte matches are the files moved into place, the catalog
last. A backup that fails any check leaves the data directory as empty as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from app.backup.manifest import DATABASE, NATIVES, BackupUnusable, Entry, Manifest, read
from app.backup.service import Copied, Snapshot, copy_and_hash, database_file, snapshot_of
from app.core import migrations
from app.core.settings import Settings

STAGING = ".restoring"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def restore(settings: Settings, source: Path) -> Manifest:
    """Copy the backup at `source` into the configured, empty, data directory and database
    file. BackupUnusable when the backup fails a check; the data directory stays empty."""
    manifest = read(source)
    target = database_file(settings)
    data_dir = settings.data_dir.resolve()
    if any(data_dir.iterdir()):
        raise BackupUnusable(f"the data directory {data_dir} is not empty; a restore goes "
                             f"into an empty one (set CUSTODIA_DATA_DIR to a new folder)")
    if target.exists():
        raise BackupUnusable(f"the database file {target} already exists; a restore does not "
                             f"overwrite a catalog")
    staging = data_dir / STAGING
    staging.mkdir(mode=0o700)
    try:
        _stage(source, staging, manifest)
        for entry in manifest.files:
            placed = data_dir / entry.path
            placed.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            (staging / entry.path).replace(placed)
        (staging / NATIVES).replace(data_dir / NATIVES)
        target.parent.mkdir(parents=True, exist_ok=True)
        (staging / DATABASE).replace(target)  # last: a catalog only once all it names is here
    except BaseException:
        for child in data_dir.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    shutil.rmtree(staging)
    return manifest


def _stage(source: Path, staging: Path, manifest: Manifest) -> None:
    _check(manifest.database, copy_and_hash(_plain_file(source, DATABASE), staging / DATABASE))
    snapshot = _catalog(staging / DATABASE, manifest)
    (staging / NATIVES).mkdir(mode=0o700)
    for digest, _size in snapshot.blobs:
        if not _DIGEST.match(digest):
            raise BackupUnusable(f"the backup's catalog names a native {digest!r} that is "
                                 f"not a SHA-256")
        relative = f"{NATIVES}/{digest[:2]}/{digest[2:4]}/{digest}"
        found = copy_and_hash(_plain_file(source, relative), staging / relative)
        if found.sha256 != digest:
            raise BackupUnusable(f"native {digest} in the backup is altered (its bytes hash "
                                 f"to {found.sha256})")
    for entry in manifest.files:
        _check(entry, copy_and_hash(_plain_file(source, entry.path), staging / entry.path))


def _catalog(database: Path, manifest: Manifest) -> Snapshot:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()
    if verdict != ("ok",):
        raise BackupUnusable(f"the backup's catalog is damaged: {verdict}")
    snapshot = snapshot_of(database)
    if snapshot.revision != manifest.schema_revision:
        raise BackupUnusable("the backup's catalog is not at the schema its manifest names")
    try:
        known = ScriptDirectory(str(migrations.SCRIPT_LOCATION)).get_revision(snapshot.revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupUnusable(f"the backup is at schema {snapshot.revision}, which this version "
                             f"of Custodia does not know: restore it with the version that "
                             f"made it, or a newer one")
    if len(snapshot.blobs) != manifest.natives:
        raise BackupUnusable(f"the backup's catalog names {len(snapshot.blobs)} natives; its "
                             f"manifest {manifest.natives}")
    if (snapshot.audit_head_seq, snapshot.audit_head_hash) != (
            manifest.audit_head_seq, manifest.audit_head_hash):
        raise BackupUnusable("the backup's audit trail does not end where its manifest says")
    return snapshot


def _check(entry: Entry, found: Copied) -> None:
    if found != (entry.size, entry.sha256):
        raise BackupUnusable(f"{entry.path} in the backup is altered: its bytes no longer "
                             f"match the manifest's SHA-256")


def _plain_file(root: Path, relative: str) -> Path:
    """root/relative, refused unless every step is a real folder and the end a regular file
    (a symbolic link in a backup could point anywhere on the server)."""
    path = root
    parts = relative.split("/")
    for index, part in enumerate(parts):
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            raise BackupUnusable(f"{relative} is missing from the backup") from None
        last = index == len(parts) - 1
        if not (stat.S_ISREG(mode) if last else stat.S_ISDIR(mode)):
            raise BackupUnusable(f"{relative} in the backup is not a plain "
                                 f"{'file' if last else 'folder'} (a link, or something else)")
    return path
