"""`custodia near-duplicates`: form the groups again, e.g. after the threshold changed."""

from __future__ import annotations

import typer

from app.core.cli import cli_actor, console, load_settings, open_database
from app.near_duplicates import grouping

cli = typer.Typer(help="Near-duplicate groups.", no_args_is_help=True)


@cli.command()
def rebuild() -> None:
    """Form every group again at CUSTODIA_NEAR_DUPLICATE_SIMILARITY, longest texts first
    (each group's pivot is its longest member). Audited."""
    settings = load_settings()
    database = open_database(settings)
    try:
        placed = grouping.rebuild(database, settings.near_duplicate_similarity, cli_actor())
        with database.reading() as session:
            found = grouping.counts(session)
    finally:
        database.dispose()
    console.print(f"{placed} documents compared at similarity "
                  f"{settings.near_duplicate_similarity}: {found['groups']} groups of two or "
                  f"more hold {found['documents_in_groups']} documents.")
