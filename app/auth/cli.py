"""`custodia user add`: the people and systems who use Custodia."""

from __future__ import annotations

from typing import Annotated

import typer

from app.auth import credentials
from app.auth import service as auth
from app.core.cli import cli_actor, console, fail, load_settings, open_database
from app.core.errors import CustodiaError
from app.models import Role

cli = typer.Typer(help="Manage the people and systems who use Custodia.", no_args_is_help=True)


@cli.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name")],
    role: Annotated[list[Role], typer.Option("--role", help="Repeat for several roles")],
    password: Annotated[str | None, typer.Option(help="Generated and printed when omitted")] = None,
    full_name: Annotated[str, typer.Option(help="Shown in letters and the audit trail")] = "",
    email: Annotated[str, typer.Option()] = "",
) -> None:
    """Add a user with one or more roles."""
    settings = load_settings()
    database = open_database(settings)
    secret = password or credentials.generate_password()
    try:
        with database.transaction() as session:
            auth.create_user(session, cli_actor(), name, role, secret, full_name, email)
    except CustodiaError as exc:
        fail(exc.detail)
    finally:
        database.dispose()
    roles = ", ".join(sorted(role))
    console.print(f"Added {name} ({roles}).", highlight=False)
    if password is None:
        console.print(f"Password: {secret}", highlight=False)
