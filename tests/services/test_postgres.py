"""Smoke tests: the server started by scripts/services.sh is a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine(postgres_url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_server_is_postgresql(engine: Engine) -> None:
    assert engine.dialect.driver == "psycopg"
    with engine.connect() as connection:
        banner = connection.execute(text("SELECT version()")).scalar_one()
        server_version = connection.execute(text("SHOW server_version")).scalar_one()
        server_version_num = connection.execute(text("SHOW server_version_num")).scalar_one()
    assert banner.startswith("PostgreSQL ")
    assert int(server_version_num) >= 130000
    assert server_version.split(".")[0] == str(int(server_version_num) // 10000)


def test_temp_table_round_trip(engine: Engine) -> None:
    rows = [
        {"id": 1, "title": "Zoning minutes", "tags": ["clerk", "2024"]},
        {"id": 2, "title": "Mémo budgétaire — eau", "tags": []},
    ]
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TEMP TABLE smoke_records (id int PRIMARY KEY, title text, tags text[])")
        )
        connection.execute(
            text("INSERT INTO smoke_records (id, title, tags) VALUES (:id, :title, :tags)"), rows
        )
        fetched = (
            connection.execute(text("SELECT id, title, tags FROM smoke_records ORDER BY id"))
            .mappings()
            .all()
        )
    assert [dict(row) for row in fetched] == rows
