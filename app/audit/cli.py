"""`custodia audit verify`: recompute the tamper-evident trail's chain."""

from __future__ import annotations

import typer

from app.audit import service as trail
from app.core.cli import console, fail, load_settings
from app.core.db import Database

cli = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@cli.command("verify")
def audit_verify() -> None:
    """Recompute the audit hash chain; exit status 1 names the first broken entry."""
    settings = load_settings()
    database = Database(settings.resolved_database_url)
    try:
        with database.reading() as session:
            verdict = trail.verify(session)
    finally:
        database.dispose()
    if not verdict.intact:
        fail(f"audit trail BROKEN at entry {verdict.first_broken_seq}: {verdict.problem} "
             f"({verdict.entries_checked} entries before it are intact)", code=1)
    # soft_wrap: the head hash is copied elsewhere as proof, so never broken across lines
    console.print(f"Audit trail intact: {verdict.entries_checked} entries, "
                  f"head {verdict.head_seq} {verdict.head_hash}", highlight=False, soft_wrap=True)
