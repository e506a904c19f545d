"""Write the committed OpenAPI document: `python -m app.openapi`."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.settings import Settings
from app.main import create_app

COMMITTED = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


def render() -> str:
    schema = create_app(Settings(env="test")).openapi()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    COMMITTED.write_text(render())
    print(f"wrote {COMMITTED}")
