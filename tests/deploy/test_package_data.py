"""A non-editable install ships every file the app serves: the package data in
pyproject.toml covers everything under app/ that is not Python."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app"
NOT_SHIPPED = {"README.md"}  # notes for whoever updates the vendored files


def test_every_data_file_under_app_matches_a_package_data_pattern() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["app"]
    shipped = {path for pattern in patterns for path in APP.glob(pattern)}
    data = {path for path in APP.rglob("*") if path.is_file() and path.suffix not in {".py", ".pyc"}
            and path.name not in NOT_SHIPPED}
    assert data, "no data files under app/ at all"
    assert sorted(str(p.relative_to(APP)) for p in data - shipped) == []
