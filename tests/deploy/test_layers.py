"""The layering contracts CI checks (pyproject [tool.importlinter]) name every domain.

A new package under app/ is a domain unless it is app.core or app.models: ingest,
core and models must be forbidden to import it, or the rule would not hold for it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLUMBING = {"app.core", "app.models"}


def domains() -> set[str]:
    app = REPO / "app"
    packages = {f"app.{p.name}" for p in app.iterdir() if (p / "__init__.py").exists()}
    modules = {f"app.{p.stem}" for p in app.glob("*.py") if p.stem != "__init__"}
    return (packages | modules) - PLUMBING


def contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["name"]: contract for contract in config["contracts"]}


def test_ingest_core_and_models_are_forbidden_every_domain() -> None:
    found = contracts()
    for name in ("ingest imports no app domain, nor the web layer",
                 "app.core and app.models import no domain, nor ingest"):
        forbidden = set(found[name]["forbidden_modules"])  # type: ignore[arg-type]
        assert domains() <= forbidden, f"{name}: add {domains() - forbidden}"


def test_search_imports_nothing_of_ours() -> None:
    contract = contracts()["search imports nothing of ours"]
    assert contract["source_modules"] == ["search"]
    assert contract["forbidden_modules"] == ["app", "ingest"]
