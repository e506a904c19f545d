"""`custodia threads`: thread the whole catalog again."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated

import typer

from app.core.cli import cli_actor, console, load_settings, open_database
from app.threads import service

cli = typer.Typer(help="E-mail threads and inclusive e-mails.", no_args_is_help=True)


@cli.command("rebuild")
def rebuild_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON")] = False,
) -> None:
    """Thread every e-mail again and mark the inclusive ones (CUSTODIA_THREAD_WINDOW_DAYS
    for the subject fallback); changed documents are queued for the index. Audited."""
    settings = load_settings()
    database = open_database(settings)
    try:
        with database.transaction() as session:
            counts = service.rebuild(session, cli_actor(),
                                     timedelta(days=settings.thread_window_days))
    finally:
        database.dispose()
    if as_json:
        print(json.dumps(counts.as_dict()))
        return
    saved = counts.emails - counts.inclusive
    console.print(f"{counts.emails} e-mails in {counts.threads} threads; {counts.inclusive} "
                  f"inclusive ({saved} a reviewer can skip); {counts.changed} changed, "
                  "queued for the index.")
