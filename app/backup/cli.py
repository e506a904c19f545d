"""`custodia backup DEST` and `custodia restore SRC`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.backup import restore as restoring
from app.backup import service
from app.backup.manifest import BackupUnusable, Manifest
from app.core import audit
from app.core.cli import cli_actor, console, fail, load_settings, open_database, outside_data_dir
from app.core.db import Database
from app.core.migrations import head_revision
from ingest import indexer
from ingest.runtime import Runtime

cli = typer.Typer()
KEYS = {"secret_key", "credentials_key"}


def _described(manifest: Manifest) -> dict[str, object]:
    return {"made_at": manifest.made_at.isoformat(), "made_by": manifest.made_by,
            "schema_revision": manifest.schema_revision, "database_sha256": manifest.database.sha256,
            "natives": manifest.natives, "natives_bytes": manifest.natives_bytes,
            "files": len(manifest.files), "audit_head_seq": manifest.audit_head_seq,
            "audit_head_hash": manifest.audit_head_hash}


@cli.command()
def backup(
    destination: Annotated[Path, typer.Argument(
        help="A new (or empty) folder outside the data directory", file_okay=False)],
) -> None:
    """Copy the catalog (one consistent snapshot, while the service runs), the natives it
    names and the data directory's other files into DESTINATION. Audited."""
    settings = load_settings()
    target = outside_data_dir(settings, destination, "the backup folder")
    actor = cli_actor()
    database = Database(settings.resolved_database_url)
    try:
        manifest = service.make(settings, target, actor.name, database.clock.now())
        with database.transaction() as session:
            audit.record(session, actor, "backup.make", "backup", str(target),
                         after=_described(manifest))
    except (service.BackupFailed, BackupUnusable) as exc:
        fail(str(exc))
    finally:
        database.dispose()
    console.print(
        f"Backed up the catalog (audit trail to entry {manifest.audit_head_seq}), "
        f"{manifest.natives} natives ({manifest.natives_bytes:,} bytes) and "
        f"{len(manifest.files)} other files into {target}. The search index is rebuilt on "
        f"restore.", highlight=False, markup=False, soft_wrap=True)
    if KEYS & {Path(f.path).name for f in manifest.files}:
        console.print("The backup holds the keys generated in the data directory: keep it "
                      "as safe as the server itself.", highlight=False, markup=False)


@cli.command()
def restore(
    source: Annotated[Path, typer.Argument(
        help="A folder `custodia backup` made", exists=True, file_okay=False)],
) -> None:
    """Restore a backup into the configured data directory and database, which must be
    empty; every byte is checked first. Then migrate, audit, and rebuild the search index."""
    settings = load_settings()
    try:
        manifest = restoring.restore(settings, source.absolute())
    except (service.BackupFailed, BackupUnusable) as exc:
        fail(str(exc))
    database = open_database(settings)
    try:
        with database.transaction() as session:
            audit.record(session, cli_actor(), "backup.restore", "backup", str(source.absolute()),
                         after={**_described(manifest), "migrated_to": head_revision()})
        runtime = Runtime.open(settings, database)
        total = indexer.rebuild(database, runtime.engine, settings.time_zone)
        indexer.index_pending(database, runtime.engine, settings.time_zone)
    finally:
        database.dispose()
    console.print(
        f"Restored the backup made {manifest.made_at.isoformat()} by {manifest.made_by}: "
        f"audit trail to entry {manifest.audit_head_seq}, {manifest.natives} natives, "
        f"{len(manifest.files)} other files; {total} documents indexed. Check it with "
        f"`custodia audit verify` and `custodia verify-natives`.",
        highlight=False, markup=False, soft_wrap=True)
