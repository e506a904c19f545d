"""The `custodia` command: serve, migrate and the demo here; each domain adds its own."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from app.audit.cli import cli as audit_cli
from app.auth.cli import cli as user_cli
from app.backup.cli import cli as backup_cli
from app.core.cli import cli_actor, console, fail, load_settings, open_database
from app.core.settings import ConfigurationError, Settings
from app.core.startup import check_configuration
from app.ingest.cli import cli as ingest_cli
from app.near_duplicates.cli import cli as near_duplicates_cli
from app.people.cli import cli as people_cli
from app.productions.cli import cli as productions_cli
from app.requests.cli import cli as requests_cli
from app.retention.cli import cli as retention_cli
from app.search.cli import cli as search_cli
from app.threads.cli import cli as threads_cli

cli = typer.Typer(help="Custodia: public-records e-discovery and legal holds.", no_args_is_help=True)
cli.add_typer(user_cli, name="user")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(ingest_cli)
cli.add_typer(search_cli)
cli.add_typer(requests_cli, name="requests")
cli.add_typer(people_cli, name="people")
cli.add_typer(retention_cli, name="retention")
cli.add_typer(productions_cli, name="production")
cli.add_typer(backup_cli)
cli.add_typer(threads_cli, name="threads")
cli.add_typer(near_duplicates_cli, name="near-duplicates")


Workers = Annotated[int | None, typer.Option(
    min=1, help="API processes; default CUSTODIA_WEB_WORKERS, else one per CPU core")]


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Workers = None,
) -> None:
    """Serve the web UI, the public portal, the API and its docs."""
    settings = load_settings()
    run_server(settings, host, port, workers)


def run_server(settings: Settings, host: str, port: int, workers: int | None) -> None:
    """One process, or several (the API is mostly Python: a process uses one core)."""
    import uvicorn

    from app.main import create_app
    from app.monitoring import logs, metrics

    try:
        check_configuration(settings)
    except ConfigurationError as exc:
        fail(str(exc))
    processes = workers or settings.api_processes
    console.print(f"Custodia on http://{host}:{port}  (sign in there; the public portal: "
                  f"http://{host}:{port}/portal; API docs: http://{host}:{port}/docs), "
                  f"{processes} process{'es' if processes > 1 else ''}")
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info",
                               "proxy_headers": True}
    log_config = logs.uvicorn_log_config(settings.log_format)
    if log_config is not None:
        options["log_config"] = log_config
    if processes == 1:
        uvicorn.run(create_app(settings), **options)
    else:  # each process builds its app from the same environment, counts in one place
        metrics.prepare_processes(settings.data_dir / "metrics")
        uvicorn.run("app.main:create_app", factory=True, workers=processes, **options)


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
    workers: Workers = None,
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
        run_server(settings, host, port, workers)


def main() -> None:
    cli()
