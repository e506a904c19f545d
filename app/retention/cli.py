"""`custodia retention`: schedules and purge runs from a terminal."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from app.core.blobs import BlobStore
from app.core.cli import cli_actor, console, fail, load_settings, open_database
from app.core.engine import open_search_engine
from app.core.errors import CustodiaError
from app.retention import service

cli = typer.Typer(help="Retention schedules and purges.", no_args_is_help=True)


@cli.command("set")
def set_command(
    record_class: Annotated[str, typer.Argument(metavar="CLASS", help="e.g. email, transitory")],
    days: Annotated[int | None, typer.Option(help="Days to keep it (1-36500)")] = None,
    forever: Annotated[bool, typer.Option("--forever", help="Keep it forever")] = False,
) -> None:
    """Keep a record class for N days (or --forever); a new name adds the class. Audited."""
    if (days is None) == (not forever):
        fail("give --days N or --forever")
    settings = load_settings()
    database = open_database(settings)
    try:
        with database.transaction() as session:
            found = service.set_schedule(session, cli_actor(), record_class, days)
            kept = "forever" if found.days is None else f"{found.days} days"
    except CustodiaError as exc:
        fail(exc.detail)
    finally:
        database.dispose()
    console.print(f"{record_class}: kept {kept}.")


@cli.command("list")
def list_command() -> None:
    """The schedules in force."""
    settings = load_settings()
    database = open_database(settings)
    try:
        with database.reading() as session:
            rows = [(s.record_class, "forever" if s.days is None else str(s.days))
                    for s in service.schedules(session)]
            classes = service.known_classes(session)
    finally:
        database.dispose()
    table = Table(title="Retention schedules (a class without one is kept forever)",
                  title_justify="left")
    table.add_column("Class")
    table.add_column("Days")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(f"Classes: {', '.join(classes)}")


@cli.command("run")
def run_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would go; purge nothing")
                       ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the certificate as JSON")] = False,
) -> None:
    """Purge expired families no hold touches; writes a purge certificate. Audited."""
    settings = load_settings()
    database = open_database(settings)
    engine = open_search_engine(settings)
    try:
        with database.transaction() as session:
            result = service.run(session, cli_actor(), settings.data_dir,
                                 BlobStore(settings.natives_dir), engine, dry_run)
    except CustodiaError as exc:
        fail(exc.detail)
    finally:
        database.dispose()
    if as_json:
        print(json.dumps({"run_id": str(result.run.id),
                          "certificate_sha256": result.run.certificate_sha256,
                          "certificate_path": str(settings.data_dir / result.run.certificate_path),
                          "certificate": result.certificate}, indent=2, sort_keys=True))
        return
    counts = result.certificate["counts"]
    verb = "Would purge" if dry_run else "Purged"
    families = counts["families_to_purge"] if dry_run else counts["families_purged"]
    documents = counts["documents_to_purge"] if dry_run else counts["documents_purged"]
    console.print(f"{verb} {families} families ({documents} documents); "
                  f"{counts['families_held']} expired families kept under a legal hold.")
    for held in result.certificate["skipped_held"]:
        names = ", ".join(f"{h['matter_name']} ({h['hold_id']})" for h in held["holds"])
        console.print(f"  held: family {held['family_id']} by {names}")
    console.print(f"Certificate: {settings.data_dir / result.run.certificate_path} "
                  f"(SHA-256 {result.run.certificate_sha256})")
