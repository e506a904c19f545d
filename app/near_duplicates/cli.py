"""`custodia near-duplicates`: form the groups again, e.g. after the threshold changed."""

from __future__ import annotations

import typer

from app.core.cli import cli_actor, console, errors, load_settings, open_database
from app.near_duplicates import grouping
from ingest.indexer import index_pending
from ingest.runtime import Runtime
from search.documents import IndexUnavailable

cli = typer.Typer(help="Near-duplicate groups.", no_args_is_help=True)


@cli.command()
def rebuild() -> None:
    """Form every group again at CUSTODIA_NEAR_DUPLICATE_SIMILARITY, longest texts first
    (each group's pivot is its longest member), then index the documents whose group
    changed. Audited."""
    settings = load_settings()
    database = open_database(settings)
    try:
        placed = grouping.rebuild(database, settings.near_duplicate_similarity, cli_actor())
        with database.reading() as session:
            found = grouping.counts(session)
        try:
            index_pending(database, Runtime.open(settings, database).engine, settings.time_zone)
        except IndexUnavailable as exc:  # they stay pending: a worker indexes them later
            errors.print(f"custodia: the search index is not answering ({exc}); the changed "
                         "documents stay pending for it", markup=False, highlight=False)
    finally:
        database.dispose()
    console.print(f"{placed} documents compared at similarity "
                  f"{settings.near_duplicate_similarity}: {found['groups']} groups of two or "
                  f"more hold {found['documents_in_groups']} documents.")
