"""What every `custodia` command shares: settings, the database, who acts, how it fails."""

from __future__ import annotations

import getpass
import os
import uuid
from pathlib import Path
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


def outside_data_dir(settings: Settings, given: Path, what: str) -> Path:
    """`given` made absolute; refused when it climbs with "..", passes a symbolic link,
    or lies inside the data directory (what is kept there is not a copy kept elsewhere)."""
    if ".." in given.parts:
        fail(f"{what} {given} must not contain '..'; give the folder's own path")
    absolute = Path(os.path.abspath(given))
    if absolute.resolve() != absolute:
        fail(f"{what} {given} passes through a symbolic link; give the real path")
    data = settings.data_dir.resolve()
    if absolute.is_relative_to(data):
        fail(f"{what} {given} is inside the data directory {data}; keep it elsewhere")
    return absolute
