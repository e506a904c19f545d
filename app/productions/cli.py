"""`custodia production build|verify|rebuild ID`: a production's package from a terminal.

`rebuild` writes the package again from the stored snapshot into a temporary file and
compares it with the one stored: the same inputs must give the same bytes.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Annotated

import typer

from app.core.cli import cli_actor, console, fail, load_settings, open_database
from app.core.errors import CustodiaError
from app.productions import build, service

cli = typer.Typer(help="Productions: Bates-stamped packages.", no_args_is_help=True)
ProductionId = Annotated[str, typer.Argument(help="The production's id")]


def _id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        fail(f"{value!r} is not a production id.")


@cli.command("build")
def build_command(production_id: ProductionId) -> None:
    """Build the package now (numbered from the series' next number) and verify it."""
    settings = load_settings()
    database = open_database(settings)
    try:
        build.build(database, settings, cli_actor(), _id(production_id))
        with database.reading() as session:
            production = service.production_of(session, _id(production_id))
            console.print(f"{production.name} {production.volume}: {production.status.value}, "
                          f"{production.package_size} bytes, SHA-256 {production.package_sha256}")
    except CustodiaError as exc:
        fail(exc.detail)
    finally:
        database.dispose()


@cli.command("verify")
def verify_command(production_id: ProductionId) -> None:
    """Run the leak verifier on the package again; exit 1 when it blocks the production."""
    settings = load_settings()
    database = open_database(settings)
    try:
        wanted = _id(production_id)
        service.verify(database, cli_actor(), settings,
                       lambda session: service.production_of(session, wanted))
        with database.reading() as session:
            production = service.production_of(session, wanted)
            status, report = production.status.value, production.verification
    except CustodiaError as exc:
        fail(exc.detail)
    finally:
        database.dispose()
    checked = ", ".join(f"{count} {kind}" for kind, count in sorted(report.get("checked", {}).items()))
    console.print(f"{status}: checked {checked or 'nothing'}; {len(report.get('hits', []))} hits",
                  markup=False)
    for hit in report.get("hits", []):
        console.print(f"  {hit.get('place')}: {hit.get('redacted')} {hit.get('detail', '')}",
                      markup=False)
    for warning in report.get("warnings", []):
        console.print(f"  warning: {warning}", markup=False)
    if status != "verified":
        raise typer.Exit(1)


@cli.command("rebuild")
def rebuild_command(production_id: ProductionId) -> None:
    """Rebuild into a temporary file and compare: exit 0 only if the bytes are identical."""
    settings = load_settings()
    database = open_database(settings)
    try:
        with database.reading() as session, tempfile.TemporaryDirectory() as folder:
            production = service.production_of(session, _id(production_id))
            stored = production.package_sha256
            rebuilt = build.rebuild_sha256(session, settings, production,
                                           Path(folder) / "rebuilt.zip")
    except CustodiaError as exc:
        fail(exc.detail)
    finally:
        database.dispose()
    console.print(f"stored   {stored}\nrebuilt  {rebuilt}", markup=False)
    if stored != rebuilt:
        console.print("DIFFERENT: the package does not reproduce.", markup=False)
        raise typer.Exit(1)
    console.print("identical", markup=False)
