"""What every `custodia` command shares: settings, the database, who acts, how it fails."""

from __future__ import annotations

import getpass
import uuid
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from app.core import migrations
from app.core.audit import Actor
from app.core.db import Database
from app.core.settings import ConfigurationError, Settings
from app.core.startup import check_database_url

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
