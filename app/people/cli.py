"""`custodia people import FILE.csv [--dry-run]`: the directory from a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.core.cli import cli_actor, console, errors, fail, load_settings, open_database
from app.core.errors import CustodiaError
from app.people import csv_import

cli = typer.Typer(help="The custodian directory (people).", no_args_is_help=True)


@cli.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV: name, department, title, emails, "
                                              "custodians, supervisor_email, status, departed_on")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report; change nothing")] = False,
) -> None:
    """Import people; one bad row and nothing changes (each bad line is listed)."""
    try:
        if file.stat().st_size > csv_import.MAX_BYTES:
            raise csv_import.too_large(file.stat().st_size)
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    except CustodiaError as exc:
        fail(exc.detail, 1)
    settings = load_settings()
    database = open_database(settings)
    try:
        with database.transaction() as session:
            report = csv_import.run(session, cli_actor(), data, settings.zone, dry_run=dry_run)
    except CustodiaError as exc:
        for bad in exc.extra.get("errors", []):
            errors.print(f"line {bad['line']}: {bad['reason']}", markup=False, highlight=False)
        fail(exc.detail, 1)
    finally:
        database.dispose()
    verb = "would be" if dry_run else "were"
    console.print(f"{report.created} people {verb} created, {report.updated} updated, "
                  f"{report.unchanged} unchanged.", markup=False, highlight=False)
