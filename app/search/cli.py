"""`custodia search "QUERY"`: the same search as the API, from a terminal."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from app.core.cli import cli_actor, console, fail, load_settings, open_database
from app.core.engine import open_search_engine
from app.core.errors import CustodiaError
from app.search.schemas import SearchIn, Sort
from app.search.service import search

cli = typer.Typer()


@cli.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help='A query, e.g. \'budget w/5 "city council"\'')],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: total and hits")] = False,
    sort: Annotated[str, typer.Option(help="relevance, newest or oldest")] = "relevance",
    size: Annotated[int, typer.Option(help="How many hits to show (1-200)")] = 20,
) -> None:
    """Search the records; exits 2 with the position of a syntax error."""
    settings = load_settings()
    database = open_database(settings)
    engine = open_search_engine(settings)
    if sort not in ("relevance", "newest", "oldest"):
        fail("--sort is relevance, newest or oldest")
    if not 1 <= size <= 200:
        fail("--size is between 1 and 200")
    sort_by: Sort = sort  # type: ignore[assignment]
    try:
        with database.transaction() as session:
            found = search(session, engine, settings, cli_actor(),
                           SearchIn(query=query, sort=sort_by, size=size, facets=not as_json))
    except CustodiaError as exc:
        fail(exc.detail)
    if as_json:
        print(json.dumps({"query": query, "total": found.total,
                          "ids": [str(h.document.id) for h in found.hits],
                          "hits": [h.model_dump(mode="json") for h in found.hits]}, indent=2))
        return
    table = Table(title=f"{found.total} documents match", title_justify="left")
    for column in ("Date", "Type", "From", "Subject / file", "Custodians"):
        table.add_column(column)
    for hit in found.hits:
        doc = hit.document
        head = hit.family or doc
        table.add_row((head.sent_at_local or "")[:16].replace("T", " "), doc.kind, head.sender,
                      doc.filename or doc.subject, ", ".join(doc.custodians))
    console.print(table)
