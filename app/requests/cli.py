"""`custodia requests list`: the case files from a terminal, overdue ones first if asked."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from app.core.cli import console, load_settings, open_database
from app.models import RecordsRequest
from app.requests import service, timing

cli = typer.Typer(help="Records requests (CORA).", no_args_is_help=True)


@cli.command("list")
def list_command(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only requests past due")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Requests by deadline, with their due dates and flags."""
    settings = load_settings()
    database = open_database(settings)
    try:
        with database.reading() as session:
            today = timing.Today(session, settings.zone)
            found = session.scalars(select(RecordsRequest).order_by(
                service.current_due_column(), RecordsRequest.number)).all()
            rows = [{"number": r.number, "status": r.status.value,
                     "requester": r.requester_name, "category": r.category.value,
                     "received_at": r.received_at.isoformat(),
                     "due_date": timing.current_due(r).isoformat(),
                     "overdue": today.overdue(r), "due_soon": today.due_soon(r)}
                    for r in found if not overdue or today.overdue(r)]
    finally:
        database.dispose()
    if as_json:
        print(json.dumps({"today": today.day.isoformat(), "requests": rows}, indent=2))
        return
    table = Table(title=f"{len(rows)} requests (today {today.day})", title_justify="left")
    for column in ("Number", "Status", "Requester", "Due", "Flag"):
        table.add_column(column)
    for row in rows:
        flag = "OVERDUE" if row["overdue"] else "due soon" if row["due_soon"] else ""
        table.add_row(str(row["number"]), str(row["status"]), str(row["requester"]),
                      str(row["due_date"]), flag)
    console.print(table)
