"""The `custodia` command."""

from __future__ import annotations

import getpass
import uuid
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from app.audit import service as audit
from app.audit.service import Actor
from app.auth import credentials
from app.auth import service as auth
from app.core import migrations
from app.core.db import Database
from app.core.errors import CustodiaError
from app.core.settings import ConfigurationError, Settings
from app.core.startup import check_configuration, check_database_url
from app.models import Role

cli = typer.Typer(help="Custodia: public-records e-discovery and legal holds.", no_args_is_help=True)
user_cli = typer.Typer(help="Manage the people and systems who use Custodia.", no_args_is_help=True)
audit_cli = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
cli.add_typer(user_cli, name="user")
cli.add_typer(audit_cli, name="audit")
console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"custodia: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        settings = Settings()
        check_database_url(settings)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "CUSTODIA_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        fail(f"{field} is not valid: {first['msg']}")
    except ConfigurationError as exc:
        fail(str(exc))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def cli_actor() -> Actor:
    return Actor(f"cli:{getpass.getuser()}", "local", uuid.uuid4().hex)


def open_database(settings: Settings) -> Database:
    database = Database(settings.resolved_database_url)
    migrations.upgrade(database.engine)
    return database


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Serve the API and its docs."""
    settings = load_settings()
    run_server(settings, host, port)


def run_server(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from app.main import create_app

    try:
        check_configuration(settings)
    except ConfigurationError as exc:
        fail(str(exc))
    console.print(f"Custodia on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)


@cli.command()
def migrate() -> None:
    """Apply database migrations up to the newest."""
    settings = load_settings()
    database = open_database(settings)
    database.dispose()
    console.print(f"Database is up to date ({database.backend}).")


@cli.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    serve: Annotated[bool, typer.Option(help="Serve the API after loading the demo")] = True,
) -> None:
    """Load a synthetic city mail set, create demo users, and serve the API."""
    from app.demo import loader

    settings = load_settings()
    database = open_database(settings)
    try:
        summary = loader.load(settings, database, cli_actor())
    finally:
        database.dispose()
    console.print(summary.describe())
    if serve:
        run_server(settings, host, port)


@user_cli.command("add")
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


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the audit hash chain; exit status 1 names the first broken entry."""
    settings = load_settings()
    database = Database(settings.resolved_database_url)
    try:
        with database.reading() as session:
            verdict = audit.verify(session)
    finally:
        database.dispose()
    if not verdict.intact:
        fail(f"audit trail BROKEN at entry {verdict.first_broken_seq}: {verdict.problem} "
             f"({verdict.entries_checked} entries before it are intact)", code=1)
    # soft_wrap: the head hash is copied elsewhere as proof, so never broken across lines
    console.print(f"Audit trail intact: {verdict.entries_checked} entries, "
                  f"head {verdict.head_seq} {verdict.head_hash}", highlight=False, soft_wrap=True)


def main() -> None:
    from app.ingest import cli as _ingest_commands  # noqa: F401  (registers its commands)
    from app.search import cli as _search_commands  # noqa: F401

    cli()
