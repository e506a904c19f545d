"""Job-queue fixtures: a migrated database on a frozen clock, and the services a handler gets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core import migrations
from app.core.clock import FrozenClock
from app.core.db import Database
from app.core.jobs import Services
from app.core.settings import Settings
from tests.conftest import TEST_SECRET

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def frozen_db(database_url: str, clock: FrozenClock) -> Iterator[Database]:
    database = Database(database_url, clock)
    migrations.upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def services(frozen_db: Database, tmp_path: Path, database_url: str) -> Services:
    settings = Settings(env="test", data_dir=tmp_path / "var", database_url=database_url,
                        secret_key=TEST_SECRET, in_process_worker=False)
    return Services.open(settings, frozen_db)
